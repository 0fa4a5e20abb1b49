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
