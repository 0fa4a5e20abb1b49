/// The end of a run: the verdict, each host's record closed and its lock released in one
/// command, the connections closed, and the summary reported.
extension Runner {
    func finish(_ runs: [HostRun], restoration: Restoration) async -> RunSummary {
        var notUndone = restoration.notUndone
        for run in runs {
            for step in await run.unknownSteps { notUndone.append(HostStep(host: run.host.name, step: step)) }
        }
        let verdict = RunVerdict(
            interrupted: restoration.interrupted, aborted: restoration.aborted,
            restoredCleanly: notUndone.isEmpty && !restoration.rollbackFailed, check: options.check)

        let total = playbook.steps.count
        let finished = await fanOut(runs) { run -> (String, Bool, RunRecord?) in
            let hostStatus = verdict.status(ofHostThatFailed: await run.failed)
            let released = await run.finish(status: hostStatus)
            // Closed here, all hosts at once: each close waits for its host to end the shell.
            await run.transport.close()
            let record = await run.record()
            if let record, !options.check { _ = try? options.localStore?.save(record) }
            return (run.host.name, released, record)
        }
        var lockLeftHeld: [String] = []
        var changed: [HostStep] = []
        var leftInPlace: [HostStep] = []
        var failed: [HostStep] = []
        var hasUndoableChanges = false
        for (host, released, record) in finished {
            if !released { lockLeftHeld.append(host) }
            guard let record else { continue }
            hasUndoableChanges = hasUndoableChanges || !record.undoableSteps.isEmpty
            for step in record.steps {
                // Rollback and always steps are numbered after the playbook's steps; name them as
                // the run did.
                let label = step.index >= total + playbook.rollback.count ? "always: " : step.index >= total ? "rollback: " : ""
                let info = StepInfo(index: step.index, name: label + step.name, kind: step.kind, total: label.isEmpty ? total : nil)
                let hostStep = HostStep(host: host, step: info)
                if step.outcome == .failed || step.outcome == .unknown { failed.append(hostStep) }
                if step.outcome == .changed, !restoration.undone.contains(hostStep) {
                    changed.append(hostStep)
                    // The rollback's and always steps' changes are the restore's own.
                    if label.isEmpty && (restoration.aborted || restoration.interrupted) { leftInPlace.append(hostStep) }
                }
            }
        }
        var summary = RunSummary(
            exitCode: verdict.exitCode, changed: options.check ? [] : changed, failed: failed,
            undone: restoration.undone, notUndone: notUndone, lockLeftHeld: lockLeftHeld)
        summary.refusedForWrites = restoration.refusedForWrites
        summary.leftInPlace = options.check ? [] : leftInPlace
        summary.hasUndoableChanges = hasUndoableChanges && !options.check
        events.send(.runFinished(status: verdict.status, summary: summary))
        return summary
    }
}
