import Foundation

/// How one check went: the response (or why there was none) and what did not match.
struct HTTPCheckResult: Sendable {
    var status: Int?
    var elapsed: Duration?
    /// Requests sent for the check, retries included.
    var attempts = 1
    /// Each expectation the response did not meet, as `expected …, got …`.
    var problems: [String]

    init(response: HTTPResponse, problems: [String]) {
        status = response.status
        elapsed = response.timings.total
        self.problems = problems
    }

    init(error: String) {
        problems = [error]
    }

    var passed: Bool { problems.isEmpty }
    var statusText: String { status.map(String.init) ?? "no response" }
    var millisecondsText: String { elapsed.map { String(format: "%.1f ms", $0.milliseconds) } ?? "-" }
    /// `200, 12.3 ms, pass`, with `after N attempts` when a retry was needed.
    var summaryText: String {
        "\(statusText), \(millisecondsText), \(passed ? "pass" : "FAIL")" + (attempts > 1 ? " after \(attempts) attempts" : "")
    }
}
