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
    /// The run a `rollout rollback` undid (when every host undid the same one), so that a
    /// retry names it rather than the rollback's own run.
    public var rolledBackRun: RunID?
    /// Undos were refused because a database received writes since the deploy (nothing was
    /// undone on those hosts): the retry needs `--force`, once what must stay is copied out.
    public var refusedForWrites = false
    /// Of `changed`, the playbook's steps a run that rolled back (or was interrupted) left in
    /// place because they have no undo (a `shell` step without `undo:`): the hosts are not
    /// quite as they were before the run.
    public var leftInPlace: [HostStep] = []
    /// Whether some host's record has a change `rollout rollback` can undo: a run whose
    /// changes all lack an undo has nothing to offer it.
    public var hasUndoableChanges = false

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
