/// One-line descriptions of a command that did not end as expected.
///
/// What the command printed is masked before it is cut down to a line: a secret that spans
/// lines, or that the cut splits, no longer matches when masked afterwards.
enum CommandFailure {
    /// "exited with status 3 (expected 0)", "killed by signal TERM", plus the last line of
    /// stderr (or stdout), with the secrets of `masker` masked, so the reason is on the same line.
    static func describe(_ result: CommandResult, expected: [Int] = [0], masker: SecretMasker) -> String {
        var text: String
        if let signal = result.exitSignal {
            text = "killed by signal \(signal)"
        } else {
            let status = result.exitStatus.map(String.init) ?? "unknown"
            let wanted = expected.map(String.init).joined(separator: " or ")
            text = "exited with status \(status)" + (expected == [0] ? "" : " (expected \(wanted))")
        }
        if let last = lastLine(masker.mask(result.stderr)) ?? lastLine(masker.mask(result.stdout)) {
            text += ": \(last)"
        }
        return text
    }

    private static func lastLine(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).last.map { String($0.prefix(300)) }
    }
}
