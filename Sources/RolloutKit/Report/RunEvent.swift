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
    /// `rollout run --resume`: the run `runStarted` named stopped earlier and is taken up again
    /// on `host`; `from` says where ("from step 3 'Upload the config'").
    case runResumed(host: String, from: String)
    case runFinished(status: RunStatus, summary: RunSummary)
    /// Something the person running the deploy must read that is not about one step: why the
    /// run could not start (a host unreachable, a lock held), a warning.
    case notice(String)
}
