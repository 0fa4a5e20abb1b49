public import Foundation

/// The deploy lock of one host: `<state_dir>/lock`, a directory whose atomic `mkdir` decides
/// who runs, holding `owner.json` (who, which run, since when, lease), `lease` (the lease as
/// last renewed) and one `holder.<host>` file per inventory host of the run holding it, which
/// is not empty while that host holds the lock.
///
/// Inventory hosts that are one machine and login user (containers or services on one server,
/// a shared home) share a state directory and so one lock: the run that took it lets its own
/// other hosts join, and the last of them to finish removes it. A host lets go by emptying its
/// holder file, a builtin, rather than removing it, which would start an `rm` per host.
///
/// The lock is never broken automatically, even when its lease lapsed: a lapsed lease only
/// tells a crashed holder from a live one, and `rollout unlock` clears it after a human looked.
public struct DeployLock: Sendable, Hashable {
    /// The host's state directory (`~/.rollout/<playbook>`).
    public let stateDirectory: String

    /// Exit status of the lock scripts when another run holds the lock.
    public static let heldExitCode: Int32 = 75

    /// Printed before the holder's `owner.json` when the lock is held.
    static let heldMarker = "ROLLOUT_LOCK_HELD"

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    /// `<state_dir>/lock`.
    public var lockDirectory: String {
        stateDirectory.hasSuffix("/") ? stateDirectory + "lock" : stateDirectory + "/lock"
    }

    // The scripts name the lock's files through `rollout_l` (`setLock`): the host reads every
    // byte of a script, and the path would otherwise be written a dozen times.
    private var setLock: String { "rollout_l=\(ShellWord.path(lockDirectory))\n" }
    private var lock: String { "\"$rollout_l\"" }
    private var owner: String { "\"$rollout_l\"/owner.json" }
    private var leaseFile: String { "\"$rollout_l\"/lease" }
    private func holderFile(_ host: String) -> String {
        "\"$rollout_l\"/holder.\(RunJournal.fileSafe(host))"
    }

    /// Shell pattern matching an `owner.json` line of run `runID`.
    /// With `pid`, also the runner's process (written after the run ID in `owner.json`).
    private func ownerPattern(_ runID: String, pid: Int32? = nil) -> String {
        ShellWord.quote("\"run_id\":" + JSONText.quote(runID)) + (pid.map { "*" + ShellWord.quote("\"pid\":\($0)}") } ?? "")
    }

    /// Prints the holder (after `heldMarker`) and exits with `heldExitCode`.
    private var reportHolder: String {
        """
        echo \(Self.heldMarker)
        cat -- \(owner) 2>/dev/null
        [ -f \(leaseFile) ] && printf 'lease=%s\\n' "$(cat -- \(leaseFile))"
        exit \(Self.heldExitCode)
        """
    }

    /// Takes the lock: exits 0 having printed the new `owner.json`, or exits `heldExitCode`
    /// having printed the holder's, or another non-zero status with the reason on stderr.
    ///
    /// With `takeOver`, a lock already held by `runID` (a run that stopped, taken up again by
    /// `run --resume` after it checked that the holder is gone) gets this process as its owner
    /// and a fresh lease, so that a later look at the lock sees the live runner.
    public func acquireScript(
        owner ownerName: String, runID: RunID, host: String, lease: Duration, now: Date = Date(), takeOver: Bool = false,
        pid: Int32 = getpid()
    ) -> String {
        // Builtins only, but for the one `mkdir` that is the lock: the time comes from the
        // engine and the owner is written straight into the new directory (a reader that
        // catches it half-written sees no owner and looks again, see `acquire`). The runs/
        // directory and the run's journal are made here too (umask 077 is already set), so
        // the first step's journal write finds them and starts no process.
        let started = Int64(now.timeIntervalSince1970)
        let expires = started + lease.components.seconds
        let holder =
            "{\"owner\":\(JSONText.quote(ownerName)),\"run_id\":\(JSONText.quote(runID.rawValue)),\"host\":\(JSONText.quote(host)),\"started_at\":\(started),\"lease_expires\":\(expires),\"pid\":\(pid)}"
        let journal = RunJournal(stateDirectory: stateDirectory, runID: runID, host: host)
        let runs = ShellWord.path(journal.runsDirectory)
        // A lock released between a failed mkdir and the look at it is taken on the next try.
        // The other hosts of a run on this machine find the lock there: no mkdir to start.
        // Another host of this run that shares the machine and state directory joins its lock.
        return setLock + """
            umask 077
            [ -d \(runs) ] || mkdir -p -- \(runs) || exit 1
            rollout_took=; rollout_seen=
            for rollout_try in 1 2 3; do
              if [ ! -d \(lock) ] && mkdir -- \(lock) 2>/dev/null; then rollout_took=1; break; fi
              [ -d \(lock) ] && { rollout_seen=1; break; }
            done
            if [ -n "$rollout_took" ]; then
              { echo 1 > \(holderFile(host)) && printf '%s\\n' \(ShellWord.quote(holder)) > \(owner) && printf '%s\\n' \(expires) > \(leaseFile) && : >> \(ShellWord.path(journal.path)); } || { rm -rf -- \(lock); exit 1; }
              printf '%s\\n' \(ShellWord.quote(holder))
              exit 0
            fi
            [ -n "$rollout_seen" ] || { echo "rollout: cannot create the deploy lock \(lockDirectory)" >&2; exit 1; }
            rollout_owner=; IFS= read -r rollout_owner < \(owner) 2>/dev/null
            case $rollout_owner in *\(ownerPattern(runID.rawValue))*)
              \(takeOver ? "printf '%s\\n' \(ShellWord.quote(holder)) > \(owner) && printf '%s\\n' \(expires) > \(leaseFile) && rollout_owner=\(ShellWord.quote(holder)) &&" : "") echo 1 > \(holderFile(host)) && : >> \(ShellWord.path(journal.path)) && { printf '%s\\n' "$rollout_owner"; exit 0; } ;;
            esac
            \(reportHolder)
            """
    }

    /// Shell functions that guard each step's command (`RunJournal.library` takes them):
    ///
    /// - `rollout_check` returns `heldExitCode`, with the reason on stderr, unless run `runID`
    ///   still holds the lock, so a step that starts with it does not run for a lock it lost: a
    ///   lock cleared with `rollout unlock` stops the run before its next change, not at the
    ///   next renewal. With `pid`, the lock must also still be this process's: a runner that
    ///   stalled (a laptop asleep) while `run --resume` took its run over elsewhere stops
    ///   before its next change.
    /// - `rollout_renew` does the same check and extends the lease to `lease` from now,
    ///   rewriting the 0600 `lease` file that `acquireScript` created.
    ///
    /// Builtins only, but for the renewal's one `date` (a quarter lease apart): every step that
    /// changes a host runs one of them.
    public func guardFunctions(runID: RunID, lease: Duration, pid: Int32? = nil) -> String {
        setLock + """
            rollout_check() { IFS= read -r rollout_owner 2>/dev/null < \(owner) && case $rollout_owner in *\(ownerPattern(runID.rawValue, pid: pid))*) return 0;; esac; echo "rollout: run \(runID.rawValue) no longer holds the deploy lock \(lockDirectory) (was it cleared with rollout unlock, or the run resumed by another runner?); stopping" >&2; return \(Self.heldExitCode); }
            rollout_renew() { rollout_check && printf '%s\\n' "$(( $(date +%s) + \(lease.components.seconds) ))" > \(leaseFile); }

            """
    }

    /// Prints the holder after `heldMarker` when the lock is held; prints nothing when it is
    /// free. Exits 0 either way.
    public var inspectScript: String {
        setLock + """
            [ -d \(lock) ] || exit 0
            echo \(Self.heldMarker)
            cat -- \(owner) 2>/dev/null
            [ -f \(leaseFile) ] && printf 'lease=%s\\n' "$(cat -- \(leaseFile))"
            exit 0
            """
    }

    /// Lets go of the lock for `host` if run `runID` holds it (or nobody does), removing it
    /// when no other host of the run still holds it; otherwise prints the holder and exits
    /// `heldExitCode`. A lock taken before locks had holder files is removed at once.
    /// With `pid`, only while the lock is this process's (see `guardFunctions`).
    public func releaseScript(runID: String, host: String, pid: Int32? = nil) -> String {
        // While another host of the run still holds it, that host removes the lock when it finishes.
        setLock + """
            [ -d \(lock) ] || exit 0
            rollout_owner=; IFS= read -r rollout_owner < \(owner) 2>/dev/null
            case $rollout_owner in *\(ownerPattern(runID, pid: pid))*)
              : > \(holderFile(host))
              for rollout_h in \(lock)/holder.*; do [ -s "$rollout_h" ] && exit 0; done
              rm -rf -- \(lock); exit $? ;;
            esac
            \(reportHolder)
            """
    }

    /// Removes the lock whoever holds it, for `rollout unlock` of a lock without an owner.
    public var forceReleaseScript: String {
        setLock + "rm -rf -- \(lock)"
    }

    /// What the lock scripts report about the lock.
    public enum State: Sendable, Hashable {
        case free
        /// Held; the holder is nil when `owner.json` is missing or unreadable.
        case held(LockHolder?)
    }

    /// Reads the output of `inspectScript` (or of a failed acquire or release).
    public static func state(fromOutput output: String) -> State {
        let lines = output.split(whereSeparator: \.isNewline).map(String.init)
        guard let markerIndex = lines.firstIndex(of: heldMarker) else { return .free }
        var holder: LockHolder?
        for line in lines[(markerIndex + 1)...] {
            if line.hasPrefix("{") {
                holder = try? JSONDecoder().decode(LockHolder.self, from: Data(line.utf8))
            } else if line.hasPrefix("lease="), let renewed = Int64(line.dropFirst(6)), var current = holder {
                current.leaseExpires = max(current.leaseExpires, renewed)
                holder = current
            }
        }
        return .held(holder)
    }

    private static func holder(fromOutput output: String) -> LockHolder? {
        if case .held(let holder) = state(fromOutput: output) { return holder }
        return nil
    }

    /// Takes the lock on `transport`, retrying as `wait` allows while another run holds it.
    ///
    /// Throws `LockHeldError` when it stays held, `DeployLockError` when the lock cannot be
    /// created at all, and whatever the transport throws.
    @discardableResult
    public func acquire(
        on transport: some Transport, owner: String, runID: RunID, host: String, lease: Duration,
        playbook: String, environment: String, wait: LockWaitPolicy = .noWait,
        clock: any RunClock = SystemClock(), takeOver: Bool = false
    ) async throws -> LockHolder {
        let script = acquireScript(owner: owner, runID: runID, host: host, lease: lease, takeOver: takeOver)
        let start = clock.now
        var unnamedRetries = 10
        while true {
            let result = try await transport.run(RemoteCommand(script), output: nil)
            switch result.exitStatus {
            case 0:
                let line = result.stdoutText.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
                guard let holder = try? JSONDecoder().decode(LockHolder.self, from: Data(line.utf8)) else {
                    throw DeployLockError(host: host, path: lockDirectory, detail: "owner.json unreadable after taking the lock")
                }
                return holder
            case Self.heldExitCode?:
                // A lock taken a moment ago may not have its owner written yet (mkdir, then
                // owner.json), and another host of this same run may be halfway through taking
                // it: look again shortly rather than report a holder without a name, or this
                // run as its own obstacle.
                let seen = Self.holder(fromOutput: result.stdoutText)
                if seen == nil || seen?.runID == runID.rawValue, unnamedRetries > 0 {
                    unnamedRetries -= 1
                    // Real time, whatever the clock: this waits for another process's write.
                    try await Task.sleep(for: .milliseconds(50))
                    continue
                }
                guard let delay = wait.delay(afterWaiting: start.duration(to: clock.now)) else {
                    throw LockHeldError(
                        host: host, holder: Self.holder(fromOutput: result.stdoutText), playbook: playbook,
                        environment: environment)
                }
                try await clock.sleep(for: delay)
            default:
                throw DeployLockError(
                    host: host, path: lockDirectory,
                    detail: result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
    }

    /// Who holds the lock on `transport`, if anyone.
    public func inspect(on transport: some Transport) async throws -> State {
        let result = try await transport.run(RemoteCommand(inspectScript), output: nil)
        return Self.state(fromOutput: result.stdoutText)
    }

    /// Releases the lock held by `runID`; throws `LockHeldError` when another run holds it.
    public func release(
        on transport: some Transport, runID: String, host: String, playbook: String, environment: String
    ) async throws {
        let result = try await transport.run(RemoteCommand(releaseScript(runID: runID, host: host)), output: nil)
        switch result.exitStatus {
        case 0: return
        case Self.heldExitCode?:
            throw LockHeldError(
                host: host, holder: Self.holder(fromOutput: result.stdoutText), playbook: playbook,
                environment: environment)
        default:
            throw DeployLockError(host: host, path: lockDirectory, detail: result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
