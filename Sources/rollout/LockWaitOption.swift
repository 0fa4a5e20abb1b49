import ArgumentParser
import RolloutKit

/// `--lock-wait DURATION`, for the commands that take the deploy lock (`run`, `rollback`).
struct LockWaitOption: ParsableArguments {
    @Option(
        help: ArgumentHelp("When another run holds the deploy lock, wait this long for it (e.g. 5m) instead of exiting 4.", valueName: "duration"))
    var lockWait: String?

    /// The policy the option asks for; no waiting when it is not given.
    func policy() throws -> LockWaitPolicy {
        guard let lockWait else { return .noWait }
        guard let policy = LockWaitPolicy(parsing: lockWait) else {
            throw ValidationError("--lock-wait takes a duration like 30s or 5m, found '\(lockWait)'")
        }
        return policy
    }
}
