public import Foundation

/// The runs recorded on one host, read from its journals in one command.
public enum RunHistory {
    /// Ends the lock part of `listingScript`'s output.
    static let lockEndMarker = "ROLLOUT_LOCK_END"

    /// What `rollout history` shows of one host: its runs and who holds its lock.
    public struct Listing: Sendable {
        public var records: [RunRecord]
        public var unreadable: [String]
        public var lock: DeployLock.State
    }

    /// Prints the lock's holder, then every journal (`readScript`), in one command.
    public static func listingScript(stateDirectory: String) -> String {
        "(\n\(DeployLock(stateDirectory: stateDirectory).inspectScript)\n)\necho \(lockEndMarker)\n" + readScript(stateDirectory: stateDirectory)
    }

    /// What `listingScript` printed.
    public static func listing(fromOutput output: String) -> Listing {
        let end = output.range(of: lockEndMarker + "\n")
        let lockPart = end.map { String(output[..<$0.lowerBound]) } ?? ""
        let journals = end.map { String(output[$0.upperBound...]) } ?? output
        let (records, unreadable) = records(fromOutput: journals)
        return Listing(records: records, unreadable: unreadable, lock: DeployLock.state(fromOutput: lockPart))
    }

    /// The status to show for `record`: a run recorded as `running` whose runner no longer
    /// holds the lock with a live lease stopped without a word (killed, connection lost), so
    /// it is shown as `interrupted` rather than as a run still going.
    public static func shownStatus(of record: RunRecord, lock: DeployLock.State, now: Date = Date()) -> RunStatus {
        guard record.status == .running else { return record.status }
        if case .held(let holder) = lock {
            // No owner yet: a run is taking the lock this instant.
            guard let holder else { return .running }
            if holder.runID == record.runID.rawValue && !holder.isLeaseLapsed(now: now) { return .running }
        }
        return .interrupted
    }

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
