/// The exit status of every `rollout` command, as DESIGN.md promises it to scripts and CI.
///
/// The engine decides it (`RunVerdict`); the CLI exits with it. The library never calls `exit`.
public enum RolloutExitCode: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Everything ran and every check passed.
    case success = 0
    /// A step failed, and the rollback restored the previous state: the hosts are as they were.
    case restored = 1
    /// The playbook, inventory, check suite or arguments were invalid; nothing ran.
    case invalidInput = 2
    /// The rollback failed or could not undo every step: a human must look at the hosts now.
    case rollbackIncomplete = 3
    /// Another run holds the deploy lock on a host; nothing changed. `rollout unlock` clears a
    /// crashed holder.
    case lockHeld = 4
    /// A host could not be reached or refused authentication before anything changed.
    case connectionFailed = 5
    /// The run was interrupted (SIGINT/SIGTERM); the completed steps were rolled back first.
    case interrupted = 130

    public var description: String {
        switch self {
        case .success: "success"
        case .restored: "failed, previous state restored"
        case .invalidInput: "invalid input, nothing ran"
        case .rollbackIncomplete: "rollback incomplete, a human is needed"
        case .lockHeld: "deploy lock held"
        case .connectionFailed: "could not connect, nothing changed"
        case .interrupted: "interrupted"
        }
    }
}
