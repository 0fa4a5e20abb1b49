/// The runs recorded on one host, read from its journals in one command.
public enum RunHistory {
    /// Prints every journal under `stateDirectory`, each after a `==> <run-id>` line.
    public static func readScript(stateDirectory: String) -> String {
        let runs = ShellWord.path(stateDirectory.hasSuffix("/") ? stateDirectory + "runs" : stateDirectory + "/runs")
        return
            "cd -- \(runs) 2>/dev/null || exit 0; for f in *.jsonl; do [ -e \"$f\" ] || continue; printf '==> %s\\n' \"${f%.jsonl}\"; cat -- \"$f\"; echo; done"
    }

    /// The records `readScript` printed, oldest first. A journal that cannot be read is skipped
    /// and named in `unreadable`.
    public static func records(fromOutput output: String) -> (records: [RunRecord], unreadable: [String]) {
        var records: [RunRecord] = []
        var unreadable: [String] = []
        var current: String?
        var lines: [Substring] = []
        func flush() {
            guard let current else { return }
            if let record = try? RunRecord.replay(journalLines: lines) { records.append(record) } else { unreadable.append(current) }
        }
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("==> ") {
                flush()
                current = String(line.dropFirst(4))
                lines = []
            } else {
                lines.append(line)
            }
        }
        flush()
        // By start time (milliseconds), then ID: IDs of two runs started in the same second
        // differ only in their random suffix.
        return (records.sorted { ($0.startedAt, $0.runID) < ($1.startedAt, $1.runID) }, unreadable)
    }
}
