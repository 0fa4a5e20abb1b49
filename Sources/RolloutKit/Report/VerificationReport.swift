public import Foundation

/// What `rollout verify` found, as the console summary, JUnit XML (one test case per check) and
/// JSON lines (one object per check, then the totals). The checks' texts are masked already;
/// every report masks once more with `masker`.
public struct VerificationReport: Sendable {
    public var environment: String
    public var checks: [VerifiedCheck]
    public var duration: Duration
    public var masker: SecretMasker
    private let started: Date

    public init(environment: String, checks: [VerifiedCheck], duration: Duration, masker: SecretMasker, started: Date = Date()) {
        self.environment = environment
        self.checks = checks
        self.duration = duration
        self.masker = masker
        self.started = started
    }

    public var failed: [VerifiedCheck] { checks.filter { !$0.passed } }

    /// Nothing answered any check: the endpoints are unreachable, not wrong.
    public var nothingAnswered: Bool { !checks.isEmpty && !checks.contains(where: \.answered) }

    /// `verify staging: 4 of 5 checks passed, 1 failed in 0.31s` (times as the run's reports write them).
    public var summary: String {
        let seconds = ElapsedText.format(duration)
        let passed = checks.count - failed.count
        var text = "verify \(environment): \(passed) of \(checks.count) \(checks.count == 1 ? "check" : "checks") passed"
        if !failed.isEmpty { text += ", \(failed.count) failed" }
        if nothingAnswered { text += " (nothing answered)" }
        return masker.mask(text + " in \(seconds)")
    }

    /// The JUnit XML: a test suite per check suite, a test case per check; a failure carries
    /// what was expected and what came back.
    public var junitXML: String {
        func text(_ s: String) -> String { XMLText.escape(masker.mask(s)) }
        var files: [String] = []
        for check in checks where !files.contains(check.file) { files.append(check.file) }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"\(text("rollout verify (\(environment))"))\" tests=\"\(checks.count)\" failures=\"\(failed.count)\" errors=\"0\" time=\"\(Self.seconds(checks))\">\n"
        for file in files {
            let cases = checks.filter { $0.file == file }
            let failures = cases.filter { !$0.passed }.count
            out +=
                "  <testsuite name=\"\(text(cases[0].suite))\" file=\"\(text(file))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" time=\"\(Self.seconds(cases))\" timestamp=\"\(started.formatted(.iso8601))\">\n"
            for check in cases {
                out +=
                    "    <testcase classname=\"\(text("\(environment).\(check.suite)"))\" name=\"\(text(check.name))\" file=\"\(text(file))\" line=\"\(check.location.line)\" time=\"\(Self.seconds([check]))\""
                if check.passed {
                    out += "/>\n"
                } else {
                    let message = check.problems.joined(separator: "; ")
                    out +=
                        ">\n      <failure message=\"\(text(message))\" type=\"\(check.answered ? "unexpected response" : "no response")\">\(text(check.line + "\n" + check.problems.joined(separator: "\n")))</failure>\n    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    /// One JSON object per check, then `verify_finished` with the totals.
    public var jsonLines: String {
        var lines: [String] = []
        for check in checks {
            lines.append(
                JSONText.object([
                    ("event", JSONText.quote("check_finished")), ("environment", JSONText.quote(environment)),
                    ("suite", JSONText.quote(check.suite)), ("file", JSONText.quote(check.file)), ("line", String(check.location.line)),
                    ("name", JSONText.quote(check.name)), ("status", check.status.map(String.init) ?? "null"),
                    ("duration_ms", check.milliseconds.map { String(format: "%.1f", $0) } ?? "null"),
                    ("attempts", String(check.attempts)), ("passed", check.passed ? "true" : "false"),
                    ("problems", "[" + check.problems.map(JSONText.quote).joined(separator: ",") + "]"),
                ]))
        }
        lines.append(
            JSONText.object([
                ("event", JSONText.quote("verify_finished")), ("environment", JSONText.quote(environment)),
                ("checks", String(checks.count)), ("passed", String(checks.count - failed.count)), ("failed", String(failed.count)),
                ("nothing_answered", nothingAnswered ? "true" : "false"),
                ("duration_ms", String(format: "%.1f", duration.milliseconds)),
            ]))
        return masker.mask(lines.joined(separator: "\n") + "\n")
    }

    private static func seconds(_ checks: [VerifiedCheck]) -> String {
        String(format: "%.3f", checks.compactMap(\.milliseconds).reduce(0, +) / 1000)
    }
}
