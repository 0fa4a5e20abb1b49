public import Foundation

/// `--junit FILE`: a JUnit XML report with one test case per step and host, written when the
/// run finishes. A failed step's test case carries its masked output tail.
public final class JUnitReporter: Reporter, @unchecked Sendable {
    private struct Case {
        var host: String
        var step: StepInfo
        var outcome: StepOutcome
        var duration: Duration
        var outputTail: String
    }

    private let url: URL
    private let masker: SecretMasker
    private let lock = NSLock()
    private var playbook = "rollout"
    private var environment = ""
    private var cases: [Case] = []
    private var undoNotes: [String] = []
    private let started = Date()

    /// The report goes to `url` when `runFinished` arrives.
    public init(url: URL, masker: SecretMasker) {
        self.url = url
        self.masker = masker
    }

    public func handle(_ event: RunEvent) {
        lock.withLock {
            switch event {
            case .runStarted(let playbook, let environment, _, _):
                self.playbook = playbook
                self.environment = environment
            case .stepFinished(let host, let step, let outcome, let duration, let tail):
                cases.append(Case(host: host, step: step, outcome: outcome, duration: duration, outputTail: tail))
            case .undoFinished(let host, let step, let succeeded, _, _):
                undoNotes.append("[\(host)] undo \(step.label): \(succeeded ? "restored" : "FAILED")")
            case .runFinished:
                // A report that cannot be written must not stop the rollback or hide the exit code.
                try? Data(render().utf8).write(to: url, options: .atomic)
            case .stepStarted, .undoStarted, .notice, .runResumed:
                break
            }
        }
    }

    /// The report as it stands.
    public var xml: String {
        lock.withLock { render() }
    }

    private func render() -> String {
        let failures = cases.filter { $0.outcome == .failed }.count
        let errors = cases.filter { $0.outcome == .unknown }.count
        let skipped = cases.filter { $0.outcome == .skipped }.count
        let total = cases.reduce(Duration.zero) { $0 + $1.duration }
        func text(_ s: String) -> String { XMLText.escape(masker.mask(s)) }
        let suiteName = environment.isEmpty ? playbook : "\(playbook) (\(environment))"
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"\(text(suiteName))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(seconds(total))\">\n"
        out +=
            "  <testsuite name=\"\(text(suiteName))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(seconds(total))\" timestamp=\"\(started.formatted(.iso8601))\">\n"
        for item in cases {
            out +=
                "    <testcase classname=\"\(text(environment.isEmpty ? item.host : "\(environment).\(item.host)"))\" name=\"\(text(item.step.label))\" time=\"\(seconds(item.duration))\""
            switch item.outcome {
            case .ok, .changed:
                out += "/>\n"
            case .skipped:
                out += ">\n      <skipped/>\n    </testcase>\n"
            case .failed:
                out +=
                    ">\n      <failure message=\"\(text("\(item.step.kind) step failed on \(item.host)"))\" type=\"\(text(item.step.kind))\">\(text(item.outputTail))</failure>\n    </testcase>\n"
            case .unknown:
                out +=
                    ">\n      <error message=\"\(text("the end of this step was never recorded on \(item.host)"))\" type=\"unknown\">\(text(item.outputTail))</error>\n    </testcase>\n"
            }
        }
        if !undoNotes.isEmpty {
            out += "    <system-out>\(text(undoNotes.joined(separator: "\n")))</system-out>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    private func seconds(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.3f", Double(ms) / 1000)
    }
}
