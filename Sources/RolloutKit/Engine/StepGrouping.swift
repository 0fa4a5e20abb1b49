/// Which consecutive steps share one round trip per host (`StepBatch`).
///
/// A step joins the group of the step before it when both can be batched and both go to the
/// same hosts; the group ends at the first step that cannot.
public enum StepGrouping {
    /// What the grouping needs to know of one step.
    public struct Candidate: Sendable, Hashable {
        /// The step's whole work is one command that needs nothing from the steps before it in
        /// the same round trip: a batchable kind, and no `when`, `register`, retries, timeout
        /// or `run_once`.
        public var batchable: Bool
        /// The hosts the step goes to, in order.
        public var hosts: [String]

        public init(batchable: Bool, hosts: [String]) {
            self.batchable = batchable
            self.hosts = hosts
        }
    }

    /// How many steps, from the first of `candidates`, go as one group: at least 1.
    public static func groupLength(_ candidates: [Candidate]) -> Int {
        guard let first = candidates.first, first.batchable else { return 1 }
        let length = candidates.prefix { $0.batchable && $0.hosts == first.hosts }.count
        return max(1, length)
    }
}
