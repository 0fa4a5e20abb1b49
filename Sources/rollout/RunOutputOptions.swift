import ArgumentParser
import Foundation
import RolloutKit

/// Where a run reports: the console always, plus `--json` and `--junit` files.
struct RunOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also write a JUnit XML report (one testcase per step and host), e.g. --junit out.xml.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("Also write every event as a JSON object per line, e.g. --json run.jsonl.", valueName: "file"))
    var json: String?

    @Flag(help: "Show what each command prints as it runs (secrets masked).")
    var verbose = false

    /// The reporters the options ask for; `outputClosed` is told when standard output's reader
    /// has gone (a closed pipe), so a run can stop in order.
    func reporters(masker: SecretMasker, outputClosed: (@Sendable () -> Void)? = nil) throws -> [any Reporter] {
        let stdout = FileDescriptorSink(fileDescriptor: 1, closed: outputClosed)
        let style = ConsoleStyle.detect(isTerminal: stdout.isTerminal, environment: ProcessInfo.processInfo.environment)
        var reporters: [any Reporter] = [ConsoleReporter(sink: stdout, masker: masker, style: style)]
        if let json {
            do {
                reporters.append(try JSONLinesReporter(url: URL(fileURLWithPath: json), masker: masker))
            } catch {
                throw ValidationError("cannot write the --json report to \(json): \(error.localizedDescription)")
            }
        }
        if let junit { reporters.append(JUnitReporter(url: URL(fileURLWithPath: junit), masker: masker)) }
        return reporters
    }
}

/// `--verbose`: each line a command prints, as it arrives, prefixed with its host, secrets
/// masked, terminal escape sequences and control characters dropped as in the plain output.
final class VerboseEcho: @unchecked Sendable {
    private let masker: SecretMasker
    private let lock = NSLock()
    private var partial: [String: [UInt8]] = [:]
    private let sink = FileDescriptorSink(fileDescriptor: 2)

    init(masker: SecretMasker) {
        self.masker = masker
    }

    func write(host: String, chunk: OutputChunk) {
        lock.withLock {
            let key = host + "/" + chunk.stream.rawValue
            var buffer = partial[key, default: []] + chunk.bytes
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: masker.mask(Array(buffer[..<newline])), as: UTF8.self)
                sink.write("  [\(host)] \(ConsoleReporter.stripControlCharacters(line))\n")
                buffer.removeSubrange(...newline)
            }
            // Holding a partial line until its newline keeps a secret from being split across
            // two writes; a line that never ends is let out in pieces, keeping back enough for
            // the longest secret.
            let keep = max(masker.maxPatternLength - 1, 0)
            if buffer.count > 65_536 + keep {
                let cut = buffer.count - keep
                sink.write(
                    "  [\(host)] " + ConsoleReporter.stripControlCharacters(String(decoding: masker.mask(Array(buffer[..<cut])), as: UTF8.self))
                        + "\n")
                buffer.removeSubrange(..<cut)
            }
            partial[key] = buffer
        }
    }
}
