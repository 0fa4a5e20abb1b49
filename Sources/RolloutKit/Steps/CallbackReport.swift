import Foundation

/// The step's output and failures: one line per kind of request, with counts and percentiles
/// when a kind was sent more than once: p50, p90 and p99 of the answers' times and, given how
/// long the kind's batch took from first send to last answer, the throughput.
struct CallbackReport {
    var lines: [String] = []
    var failures: [String] = []

    init(exchanges: [CallbackExchange], masker: SecretMasker, batchTimes: [String: Duration] = [:]) {
        var kinds: [String] = []
        for exchange in exchanges where !kinds.contains(exchange.kind) { kinds.append(exchange.kind) }
        for kind in kinds {
            let group = exchanges.filter { $0.kind == kind }
            let failed = group.filter { !$0.passed }
            if group.count == 1, let only = group.first {
                let status = only.response.map { String($0.status) } ?? "no response"
                let ms = only.response.map { String(format: "%.1f ms", $0.timings.total.milliseconds) } ?? "-"
                lines.append("\(kind): \(status), \(ms), \(only.passed ? "pass" : "FAIL")")
            } else {
                var seen: [String: Int] = [:]
                for exchange in group { seen[exchange.response.map { String($0.status) } ?? "no response", default: 0] += 1 }
                let statuses = seen.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
                let times = group.compactMap { $0.response?.timings.total.milliseconds }.sorted()
                let percentiles =
                    times.isEmpty
                    ? ""
                    : String(
                        format: ", p50 %.1f ms, p90 %.1f ms, p99 %.1f ms",
                        Self.percentile(50, of: times), Self.percentile(90, of: times), Self.percentile(99, of: times))
                let rate =
                    batchTimes[kind].flatMap { $0 > .zero ? String(format: ", %.1f/s", Double(group.count) / ($0.milliseconds / 1000)) : nil } ?? ""
                lines.append(
                    "\(kind): \(group.count) sent, statuses \(statuses)\(percentiles)\(rate), \(failed.isEmpty ? "pass" : "\(failed.count) FAIL")")
            }
            if let first = failed.first, let problem = first.problem {
                let count = group.count == 1 ? "" : " (\(failed.count) of \(group.count))"
                failures.append("\(kind)\(count): \(problem)")
            }
        }
        lines = lines.map(masker.mask)
        failures = failures.map(masker.mask)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ p: Int, of sorted: [Double]) -> Double {
        let rank = Int((Double(p) / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
