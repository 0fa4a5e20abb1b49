import Foundation

/// Sending commands to the host with the run journal around them. Every command that changes
/// the host, one step's or a batch's, goes through `sendJournalled`: the events waiting to be
/// written, the lease renewal when due, and the step's own start and end ride in the same round
/// trip, so the bookkeeping costs no extra one.
extension HostRun {
    /// Sends the command `build` makes from the pending journal events and the lock's guard
    /// (a function of `journalLibrary`): the lease renewal when due, otherwise the check that
    /// the run still holds the lock. The command calls the journal's library, and runs in
    /// place in a persistent shell when it can. When the send fails the events stay pending,
    /// and the error names `what` instead of the wrapper script around it.
    func sendJournalled(
        naming what: String, output: (@Sendable (OutputChunk) -> Void)?,
        _ build: (_ pending: [JournalEvent], _ guard: String) -> RemoteCommand
    ) async throws -> CommandResult {
        let renewing = lease.isDue
        let sent = pending
        pending.removeAll()
        var command = build(sent, renewing ? "rollout_renew" : "rollout_check")
        command.library = journalLibrary
        command.runsInPlace = true
        let result: CommandResult
        do {
            result = try await transport.run(command, output: output)
        } catch {
            pending = sent + pending
            // Refused before it reached the host: nothing of it runs there.
            if (error as? TransportError)?.isConnectionFailure != true { cutOffCommand = what }
            throw Self.naming(error, what)
        }
        if renewing { lease.renewed() }
        journalled += sent
        try checkBookkeeping(of: result, step: what)
        return result
    }

    /// Runs a step's command that changes the host (`StepContext.runRecorded`): wrapped with the
    /// journal's entries for the step's start and end. `recorder` notes that they reached the
    /// journal; when the command throws (a timeout) they did not, and `finish` records them.
    func runRecorded(_ command: RemoteCommand, member: Member, recorder: Recorder) async throws -> CommandResult {
        if checkMode { return try await transport.run(command, output: output) }
        let definition = member.definition
        let startedAt = Date()
        let result = try await sendJournalled(naming: command.summary, output: output) { pending, guardFunction in
            var wrapped = command
            wrapped.script = journal.wrap(
                stepIndex: member.index, name: definition.name, kind: definition.kind, userScript: command.script,
                cwd: command.cwd, pending: pending, guard: guardFunction, keepingStdin: !command.stdin.isEmpty)
            // The step's own shell enters the directory (see `RunJournal.wrap`).
            wrapped.cwd = nil
            return wrapped
        }
        journalled.append(.stepStarted(index: member.index, name: definition.name, kind: definition.kind, at: startedAt))
        journalled.append(.stepEnded(index: member.index, exitCode: result.exitStatus, at: Date()))
        recorder.used = true
        return result
    }

    /// The wrapper's own failures, told apart from the step's by their exit code and message:
    /// the lock was taken away (its owner is another run, or it is gone), or the journal cannot
    /// be written (before the step changed anything).
    private func checkBookkeeping(of result: CommandResult, step: String) throws {
        if result.exitStatus == DeployLock.heldExitCode, result.stderrText.contains("no longer holds the deploy lock") {
            throw StepError(
                host: host.name, step: step, message: "the deploy lock was taken away while the run held it",
                hint:
                    "someone ran rollout unlock, or resumed this run with another runner (rollout run --resume); check the host before deploying again"
            )
        }
        if result.exitStatus == RunJournal.unwritableExitCode, result.stderrText.contains("cannot write the run journal") {
            throw StepError(
                host: host.name, step: step, message: "cannot write the run journal \(journal.path)",
                hint: "check that the login user can write to \(stateDirectory) and that the disk is not full")
        }
    }

    /// `error` naming `what` as the command, not the wrapper script around it.
    private static func naming(_ error: any Error, _ what: String) -> any Error {
        switch error {
        case TransportError.connectionLost(let endpoint, _, let reason):
            TransportError.connectionLost(endpoint: endpoint, command: what, reason: reason)
        case TransportError.timedOut(let endpoint, _, let after):
            TransportError.timedOut(endpoint: endpoint, command: what, after: after)
        default:
            error
        }
    }
}
