/// What reporters hear about a run, in the order it happens.
public enum RunEvent: Sendable, Hashable {
    /// The run began. `playbook` is the playbook as the user named it on the command line, so
    /// suggested commands can repeat it.
    case runStarted(playbook: String, environment: String, hosts: [String], runID: RunID)
    case stepStarted(host: String, step: StepInfo)
    /// `outputTail` is the last lines the step printed (reporters mask it again anyway).
    case stepFinished(host: String, step: StepInfo, outcome: StepOutcome, duration: Duration, outputTail: String)
    /// The rollback began undoing `step` on `host`.
    case undoStarted(host: String, step: StepInfo)
    case undoFinished(host: String, step: StepInfo, succeeded: Bool, duration: Duration, outputTail: String)
    case runFinished(status: RunStatus, summary: RunSummary)
}

/// A step as reporters name it.
public struct StepInfo: Sendable, Hashable {
    /// Position in the playbook, from 0 (shown from 1).
    public var index: Int
    public var name: String
    /// The step kind (`shell`, `set_env`, …).
    public var kind: String
    /// How many steps the playbook has, for "3/8".
    public var total: Int?

    public init(index: Int, name: String, kind: String, total: Int? = nil) {
        self.index = index
        self.name = name
        self.kind = kind
        self.total = total
    }

    /// `3/8 name` (or `3. name` without a total).
    public var label: String {
        let number = total.map { "\(index + 1)/\($0)" } ?? "\(index + 1)."
        return "\(number) \(name)"
    }
}

/// A step on a host.
public struct HostStep: Sendable, Hashable {
    public var host: String
    public var step: StepInfo

    public init(host: String, step: StepInfo) {
        self.host = host
        self.step = step
    }
}

/// What a run did, for the closing lines of reports.
public struct RunSummary: Sendable, Hashable {
    /// The exit status the command ends with.
    public var exitCode: RolloutExitCode
    /// Steps whose changes are in place at the end.
    public var changed: [HostStep]
    /// Steps that failed.
    public var failed: [HostStep]
    /// Steps the rollback undid.
    public var undone: [HostStep]
    /// Steps whose undo failed or could not run: what a human must look at.
    public var notUndone: [HostStep]
    /// Hosts whose deploy lock could not be released.
    public var lockLeftHeld: [String]

    public init(
        exitCode: RolloutExitCode, changed: [HostStep] = [], failed: [HostStep] = [], undone: [HostStep] = [],
        notUndone: [HostStep] = [], lockLeftHeld: [String] = []
    ) {
        self.exitCode = exitCode
        self.changed = changed
        self.failed = failed
        self.undone = undone
        self.notUndone = notUndone
        self.lockLeftHeld = lockLeftHeld
    }
}
