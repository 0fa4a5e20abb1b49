/// `max_fail_percentage`: how many of a serial batch's hosts may fail a step before the run
/// stops and rolls back.
public struct FailureTolerance: Sendable, Hashable {
    /// The share of a batch that may fail, 0–100.
    public var maxFailPercentage: Int

    public init(maxFailPercentage: Int) {
        self.maxFailPercentage = maxFailPercentage
    }

    /// True when more of the batch's `batchSize` hosts failed than allowed. `outcomes` are the
    /// step's outcomes on the hosts that took it; an unknown outcome counts as a failure, and a
    /// step whose failures are ignored never stops the run.
    public func isExceeded(by outcomes: [StepOutcome?], batchSize: Int, ignoringFailures: Bool) -> Bool {
        guard !ignoringFailures else { return false }
        let failed = outcomes.filter { $0 == .failed || $0 == .unknown }.count
        return failed * 100 > maxFailPercentage * batchSize
    }
}
