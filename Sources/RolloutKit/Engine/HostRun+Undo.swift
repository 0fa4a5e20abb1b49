import Foundation

/// Undoing what a run changed on the host: this run's changes after a failure, or an earlier
/// run's under `rollout rollback`.
extension HostRun {
    /// Undoes every change of this run on this host, newest first (an undo that must see every
    /// other undo done, a restart, goes last); returns those undone and those that could not be.
    func undoChanges() async -> (undone: [StepInfo], failed: [StepInfo]) {
        if let stillRunning = await settleCutOffCommand() {
            // An undo the old command then overwrites would be reported "restored" and not be.
            events.send(.notice(stillRunning))
            let left = changes.map(\.info)
            changes.removeAll()
            return ([], left)
        }
        var undone: [StepInfo] = []
        var notUndone: [StepInfo] = []
        for change in Self.undoOrder(changes) {
            events.send(.undoStarted(host: host.name, step: change.info))
            let start = clock.now
            let member = Member(definition: change.definition, index: change.info.index, info: change.info)
            var context = self.context(for: member, scope: currentScope, recorder: Recorder())
            context.keepsSafetyCopies = undoingEarlierRun
            let step = change.definition.step
            let run = await outcome { try await step.undo(change.undo, in: context) }
            let succeeded = run.outcome != .failed
            events.send(
                .undoFinished(
                    host: host.name, step: change.info, succeeded: succeeded, duration: start.duration(to: clock.now),
                    outputTail: tail(of: run)))
            if succeeded { undone.append(change.info) } else { notUndone.append(change.info) }
        }
        changes.removeAll()
        return (undone, notUndone)
    }

    /// Newest first, except the undos that must see every other undo done (restarts), which
    /// go last, newest first among themselves.
    static func undoOrder(_ changes: [Change]) -> [Change] {
        let newestFirst = Array(changes.reversed())
        return newestFirst.filter { !$0.definition.step.undoesLast } + newestFirst.filter { $0.definition.step.undoesLast }
    }

    /// After a command was cut off (a dropped connection, a timeout, Ctrl-C), over a new
    /// connection and in one round trip: ends what is left of it (its process group, recorded on
    /// the host by `RunJournal.launch`), then reads the journal to settle the steps whose end was
    /// never seen. A step that recorded its undo before the drop joins the changes to undo; a
    /// step whose kind records its undo before changing anything, and left none, changed
    /// nothing; anything else stays unknown for a human to look at.
    ///
    /// Returns what to tell the user when the command may still be running (the host cannot be
    /// reached again, or its process group outlived SIGKILL): nothing may then be undone here.
    func settleCutOffCommand() async -> String? {
        guard let cutOff = cutOffCommand else { return nil }
        cutOffCommand = nil
        let reading = !unknown.isEmpty
        let script = (cutOffJournal ?? journal).stopScript + (reading ? "\n" + journal.readScript : "")
        let result: CommandResult
        do {
            result = try await transport.run(RemoteCommand(script), output: nil)
        } catch {
            return stillRunning(cutOff, because: "the host cannot be reached to stop it (\(masker.mask("\(error)")))")
        }
        if result.exitStatus == RunJournal.stillRunningExitCode {
            let why = result.stderrText.trimmingTrailingNewlines.replacingOccurrences(of: "rollout: ", with: "")
            return stillRunning(cutOff, because: "it could not be stopped: \(masker.mask(why))")
        }
        guard reading else { return nil }
        // The undo data each step recorded; nil when the journal cannot be read. An empty
        // journal (made with the lock) is readable: no command got past the bookkeeping.
        var recorded: [Int: [String: String]]?
        if result.succeeded {
            let lines = result.stdoutText.split(separator: "\n")
            if lines.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) {
                recorded = [:]
            } else if let record = try? RunRecord.replay(journalLines: lines) {
                recorded = Dictionary(record.steps.map { ($0.index, $0.undo) }, uniquingKeysWith: { first, _ in first })
            }
        }
        for member in unknown {
            if let undo = recorded?[member.index], !undo.isEmpty {
                changes.append(Change(definition: member.definition, info: member.info, undo: undo))
            } else if recorded == nil || !member.definition.step.recordsUndoFirst {
                unknownSteps.append(member.info)
            }
        }
        unknown.removeAll()
        changes.sort { $0.info.index < $1.info.index }
        return nil
    }

    /// The cut-off steps stay unknown, and the notice says why nothing is undone on this host.
    private func stillRunning(_ command: String, because reason: String) -> String {
        unknownSteps += unknown.map(\.info)
        unknown.removeAll()
        return "[\(host.name)] '\(command)' was cut off and may still be running: \(reason). "
            + "Nothing was undone on \(host.name), so that nothing it still writes lands on a state reported restored; "
            + "stop it there, then run the rollback"
    }

    /// Takes over the changes an earlier run recorded, for `rollout rollback`. A run that
    /// never finished (its runner killed, its connection lost) or whose rollback failed may
    /// have left its last command running: it is ended before anything is undone.
    func adopt(_ recorded: [Change], finished: [FinishedStep], from target: RunRecord) {
        changes = recorded
        self.finished = finished
        undoingEarlierRun = true
        if target.status == .running || target.status == .rollbackFailed {
            cutOffCommand = "the command run \(target.runID.rawValue) had in flight when it stopped"
            cutOffJournal = RunJournal(stateDirectory: stateDirectory, runID: target.runID, host: host.name)
        }
    }

    /// Appends `events` to the journal of another run on this host (marking it rolled back).
    func append(_ events: [JournalEvent], toJournalOf other: RunID) async throws {
        let journal = RunJournal(stateDirectory: stateDirectory, runID: other, host: host.name)
        let result = try await transport.run(RemoteCommand(journal.appendToRecorded(events)), output: nil)
        guard result.succeeded else {
            throw StepError(host: host.name, step: "run journal", message: "cannot write \(journal.path): \(CommandFailure.describe(result))")
        }
    }
}
