import Foundation

/// Undoing what a run changed on the host: this run's changes after a failure, or an earlier
/// run's under `rollout rollback`.
extension HostRun {
    /// Undoes every change of this run on this host, newest first (an undo that must see every
    /// other undo done, a restart, goes last); returns those undone and those that could not be.
    ///
    /// Before it undoes anything it asks every change what undoing it now would lose (see
    /// `RunnableStep.undoObjection`): while one objects it undoes none of them, unless forced,
    /// so that the host is not left half restored (old code on the new schema).
    func undoChanges() async -> (undone: [StepInfo], failed: [StepInfo]) {
        var stillRunning = cutOffStillRunning
        if stillRunning == nil { stillRunning = await settleCutOffCommand() }
        cutOffStillRunning = nil
        if let stillRunning {
            // An undo the old command then overwrites would be reported "restored" and not be.
            events.send(.notice(stillRunning))
            let left = changes.map(\.info)
            changes.removeAll()
            return ([], left)
        }
        if !forcesUndo {
            let objections = await undoObjections()
            if !objections.isEmpty {
                for objection in objections { events.send(.notice("[\(host.name)] \(objection)")) }
                events.send(
                    .notice(
                        "[\(host.name)] nothing was undone on \(host.name), so that those writes are not lost"
                    ))
                let refused = changes.map(\.info)
                changes.removeAll()
                refusedUndo = true
                return ([], refused)
            }
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
            let run = await outcome { try await step.undo(recorded: change.undo, in: context) }
            let succeeded = run.outcome != .failed
            events.send(
                .undoFinished(
                    host: host.name, step: change.info, succeeded: succeeded, duration: start.duration(to: clock.now),
                    outputTail: tail(of: run)))
            if succeeded {
                undone.append(change.info)
                if let name = change.definition.register, let result = registered[name] {
                    registered[name] = RegisteredResult(fields: step.registeredAfterUndo(result.fields))
                }
            } else {
                notUndone.append(change.info)
            }
        }
        changes.removeAll()
        return (undone, notUndone)
    }

    /// Writes to the journal, before the first undo, that the run is being rolled back (as
    /// `rollback_failed`, which the run's end then replaces): a runner killed half-way through
    /// its undos leaves a record that says so, and `run --resume` refuses to continue a run whose
    /// changes may be partly undone (`rollout rollback` offers it). Costs a round trip on the
    /// failure path only; when it cannot be sent the events wait for the next command.
    func markRollingBack() async {
        guard !checkMode else { return }
        // The command a drop cut off is ended (and the journal read) before anything else is
        // sent to the host, so that nothing it still writes lands after the mark.
        cutOffStillRunning = await settleCutOffCommand()
        queue(.runFinished(status: .rollbackFailed, at: Date()))
        _ = await flushJournal()
    }

    /// What undoing this host's changes now would lose, one line per change that objects
    /// (`step 3 'Migrate': payments: 1 row inserted since the deploy; …`); a check that cannot
    /// be made objects too. Reads only.
    func undoObjections() async -> [String] {
        var objections: [String] = []
        // A change cut off in this run (its command ended by `settleCutOffCommand` moments ago)
        // recorded nothing at its end: every write until then counts as its own, as writes
        // during a migration do, and it is undone as a failed one is.
        for change in changes where !change.cutOff {
            let member = Member(definition: change.definition, index: change.info.index, info: change.info)
            let context = self.context(for: member, scope: currentScope, recorder: Recorder())
            let step = "step \(change.info.index + 1) '\(change.info.name)'"
            do {
                if let objection = try await change.definition.step.undoObjection(recorded: change.undo, in: context) {
                    objections.append("\(step): \(masker.mask(objection))")
                }
            } catch {
                objections.append("\(step): cannot tell what undoing it would lose: \(masker.mask("\(error)"))")
            }
        }
        return objections
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
                changes.append(Change(definition: member.definition, info: member.info, undo: undo, cutOff: true))
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
    func adopt(_ recorded: [Change], finished: [FinishedStep], from target: RunRecord, force: Bool = false) {
        changes = recorded
        self.finished = finished
        undoingEarlierRun = true
        forcesUndo = force
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
            throw StepError(
                host: host.name, step: "run journal", message: "cannot write \(journal.path): \(CommandFailure.describe(result, masker: masker))")
        }
    }
}
