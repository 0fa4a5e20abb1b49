import Foundation

extension RunHistory {
    /// The file names of every undo source of the runs in `records` that can still be undone:
    /// each playbook's newest successful run (what `rollout rollback` undoes), and every run
    /// that did not finish cleanly (failed, interrupted, cut off, or whose rollback failed).
    /// A rolled-back run needs nothing any more.
    public static func undoSourceNames(in records: [RunRecord]) -> Set<String> {
        let unfinished = records.filter { [.failed, .rollbackFailed, .running, .interrupted].contains($0.status) }
        let newestSucceeded = Dictionary(grouping: records.filter { $0.status == .succeeded }, by: \.playbook).values
            .compactMap { runs in runs.max { $0.runID < $1.runID } }
        let sources = (unfinished + newestSucceeded).flatMap(\.undoableSteps).flatMap { step in
            // A kind this Rollout does not know keeps every path its record names.
            guard let kind = StepRegistry.kind(named: step.kind) else { return step.undo.values.filter { $0.hasPrefix("/") || $0.hasPrefix("~") } }
            return (try? kind.undoRecord(recorded: step.undo).sources) ?? []
        }
        return Set(sources.map { ($0 as NSString).lastPathComponent })
    }
}
