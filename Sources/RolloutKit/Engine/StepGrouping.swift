/// Which consecutive steps share one round trip per host (`StepBatch`).
///
/// A step joins the group of the steps before it when it can be batched, goes to the same
/// hosts, and reads no result a step of the group registers (which is only known once that
/// step ran, and the group's commands are all rendered before it is sent); the group ends at
/// the first step that does not join.
public struct StepGrouping: Sendable {
    /// What the grouping needs to know of one step.
    public struct Candidate: Sendable, Hashable {
        /// The step's whole work is one command that needs nothing from the host between its
        /// start and its end: a batchable kind, and no `when`, retries, timeout or `run_once`.
        public var batchable: Bool
        /// The hosts the step goes to, in order.
        public var hosts: [String]
        /// The name the step registers its result as.
        public var registers: String?
        /// The names the step's templates start with (`r1` of `{{ r1.stdout }}`).
        public var reads: Set<String>

        public init(batchable: Bool, hosts: [String], registers: String? = nil, reads: Set<String> = []) {
            self.batchable = batchable
            self.hosts = hosts
            self.registers = registers
            self.reads = reads
        }
    }

    /// Steps in the group so far.
    public private(set) var length = 0
    private var hosts: [String] = []
    private var registered: Set<String> = []
    private var closed = false

    public init() {}

    /// Adds the next step if it joins the group; false when the group ends before it. The
    /// first step always joins, and a group that starts with a step that cannot be batched
    /// ends after it.
    public mutating func add(_ candidate: Candidate) -> Bool {
        guard !closed else { return false }
        if length == 0 {
            hosts = candidate.hosts
            closed = !candidate.batchable
        } else if !candidate.batchable || candidate.hosts != hosts || !registered.isDisjoint(with: candidate.reads) {
            closed = true
            return false
        }
        length += 1
        if let name = candidate.registers { registered.insert(name) }
        return true
    }

    /// How many steps, from the first of `candidates`, go as one group: at least 1.
    public static func groupLength(_ candidates: [Candidate]) -> Int {
        var grouping = StepGrouping()
        for candidate in candidates where !grouping.add(candidate) { break }
        return max(1, grouping.length)
    }
}
