/// What a step would do on one host, as `rollout plan` and `rollout run --check` show it.
public struct StepPlan: Sendable, Hashable {
    /// Whether the step would change the host.
    public enum Changes: String, Sendable, Hashable {
        /// It only reads.
        case none
        /// It would change the host (the lines say how).
        case yes
        /// It would run a command whose effect cannot be known beforehand.
        case maybe
    }

    /// Lines for a reviewer, secrets already masked.
    public var lines: [String]
    public var changes: Changes

    public init(_ lines: [String], changes: Changes) {
        self.lines = lines
        self.changes = changes
    }
}
