public import Foundation

/// What the run record keeps about one step on one host.
public struct StepRecord: Sendable, Hashable, Codable {
    /// Position of the step in the playbook, from 0.
    public var index: Int
    public var name: String
    /// The step kind (`shell`, `set_env`, `git`, …).
    public var kind: String
    public var startedAt: Date?
    public var endedAt: Date?
    /// nil while the step runs and in a record being written.
    public var outcome: StepOutcome?
    /// Exit status of the step's command, when it had one.
    public var exitCode: Int32?
    /// Milliseconds from start to end.
    public var durationMilliseconds: Int64?
    /// The last lines the step printed, secrets masked.
    public var outputTail: String
    /// What the step saved before it changed anything, for its undo: its kind's `Undo` record
    /// as the journal keeps it, text pairs (`RunnableStep.undoRecord(recorded:)` reads it).
    /// Empty for steps with no undo.
    public var undo: [String: String]

    enum CodingKeys: String, CodingKey {
        case index, name, kind
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case outcome
        case exitCode = "exit_code"
        case durationMilliseconds = "duration_ms"
        case outputTail = "output_tail"
        case undo
    }

    public init(
        index: Int, name: String, kind: String, startedAt: Date? = nil, endedAt: Date? = nil,
        outcome: StepOutcome? = nil, exitCode: Int32? = nil, durationMilliseconds: Int64? = nil,
        outputTail: String = "", undo: [String: String] = [:]
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.exitCode = exitCode
        self.durationMilliseconds = durationMilliseconds
        self.outputTail = outputTail
        self.undo = undo
    }

    /// Time from start to end, when both are known.
    public var duration: Duration? {
        durationMilliseconds.map { .milliseconds($0) }
    }
}
