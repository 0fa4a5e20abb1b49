/// A step this run already finished on a host, as the later steps of the run see it: a
/// `migrate` finds here the `backup_database` it can be undone from.
public struct FinishedStep: Sendable {
    /// Position of the step in the playbook, from 0.
    public var index: Int
    public var name: String
    public var step: any Step
    public var outcome: StepOutcome
    /// Its result fields (`path` of a backup). Empty when the step is known from a run record
    /// only (`rollout rollback`), and under `--check`, where it only planned.
    public var fields: [String: String]

    public init(index: Int, name: String, step: any Step, outcome: StepOutcome, fields: [String: String]) {
        self.index = index
        self.name = name
        self.step = step
        self.outcome = outcome
        self.fields = fields
    }
}
