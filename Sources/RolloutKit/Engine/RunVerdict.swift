/// How a run ended, from what happened: the exit code scripts and CI read, and the status the
/// hosts' records keep.
public struct RunVerdict: Sendable, Hashable {
    public var exitCode: RolloutExitCode
    public var status: RunStatus

    /// - Parameters:
    ///   - interrupted: a Ctrl-C or SIGTERM stopped the run.
    ///   - aborted: a step failed beyond what the playbook tolerates, so the run rolled back.
    ///   - restoredCleanly: every undo, rollback step and check run again succeeded, and no
    ///     step was left in an unknown state.
    ///   - check: a plan (`--check`), which changes nothing: a step that would fail makes it
    ///     `failed` (exit 1), never "rolled back", since there was nothing to restore.
    public init(interrupted: Bool, aborted: Bool, restoredCleanly: Bool, check: Bool = false) {
        if check && aborted && !interrupted {
            (exitCode, status) = (.restored, .failed)
            return
        }
        switch (interrupted, aborted, restoredCleanly) {
        case (_, _, false): (exitCode, status) = (.rollbackIncomplete, .rollbackFailed)
        case (true, _, true): (exitCode, status) = (.interrupted, .interrupted)
        case (false, true, true): (exitCode, status) = (.restored, .rolledBack)
        case (false, false, true): (exitCode, status) = (.success, .succeeded)
        }
    }

    /// What one host's record says: a host that failed within the tolerance was rolled back
    /// even though the run as a whole succeeded.
    public func status(ofHostThatFailed hostFailed: Bool) -> RunStatus {
        status == .succeeded && hostFailed ? .rolledBack : status
    }
}
