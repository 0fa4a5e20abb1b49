/// After a failure or an interruption: every change undone on the hosts that need it, then the
/// playbook's `rollback:` steps, then the read-only checks again on the restored state.
extension Runner {
    /// What the restore did.
    struct Restoration: Sendable {
        var interrupted = false
        var aborted = false
        var undone: [HostStep] = []
        var notUndone: [HostStep] = []
        var rollbackFailed = false
        /// An `always:` step failed (reported; it does not change the outcome).
        var alwaysFailed = false
        /// A host undid nothing because a database received writes since the deploy.
        var refusedForWrites = false
    }

    /// Restores what needs it; under `--check`, where nothing changed, only says how the run
    /// ended.
    func restore(_ runs: [HostRun], after progress: Progress) async -> Restoration {
        var restoration = Restoration(interrupted: interruption?.requested == true, aborted: progress.aborted)
        guard !options.check else { return restoration }
        let rollingBack = restoration.aborted || restoration.interrupted
        // Hosts that failed within `max_fail_percentage` are restored even when the run goes on.
        var toUndo: [HostRun] = []
        for run in runs {
            if rollingBack {
                toUndo.append(run)
            } else if await run.failed {
                toUndo.append(run)
            }
        }
        _ = await fanOut(rollingBack ? runs : toUndo) { run in await run.markRollingBack() }
        if rollingBack {
            restoration.rollbackFailed = await runRollbackSteps(on: runs, beforeUndo: true)
        }
        // A rolling deploy is undone the way it ran, batch by batch, last batch first: the hosts
        // not yet touched (or already restored) keep serving while a batch restarts.
        var outcomes: [(String, (undone: [StepInfo], failed: [StepInfo]))] = []
        let undoBatch = max(1, playbook.serial?.batchSize(of: runs.count) ?? toUndo.count)
        for start in stride(from: 0, to: toUndo.count, by: undoBatch).reversed() {
            let batch = Array(toUndo[start..<min(toUndo.count, start + undoBatch)])
            outcomes += await fanOut(batch) { run in (run.host.name, await run.undoChanges()) }
        }
        for run in toUndo where await run.refusedUndo { restoration.refusedForWrites = true }
        for (host, outcome) in outcomes {
            restoration.undone += outcome.undone.map { HostStep(host: host, step: $0) }
            restoration.notUndone += outcome.failed.map { HostStep(host: host, step: $0) }
        }
        if rollingBack {
            restoration.rollbackFailed = await runRollbackSteps(on: runs, beforeUndo: false) || restoration.rollbackFailed
            restoration.rollbackFailed = await verifyAgain(progress.verifications, on: runs) || restoration.rollbackFailed
        }
        return restoration
    }

    /// Runs the playbook's `rollback:` steps that go `beforeUndo` (or after it) on every host
    /// of the run; true when one failed.
    func runRollbackSteps(on runs: [HostRun], beforeUndo: Bool) async -> Bool {
        await runExtraSteps(
            playbook.rollback.enumerated().filter { $0.element.beforeUndo == beforeUndo }.map { ($0.offset, $0.element) },
            numberedFrom: playbook.steps.count, label: "rollback: ", on: runs)
    }

    /// Runs the playbook's `always:` steps on every host of the run; true when one failed.
    func runAlwaysSteps(on runs: [HostRun]) async -> Bool {
        await runExtraSteps(
            playbook.always.enumerated().map { ($0.offset, $0.element) },
            numberedFrom: playbook.steps.count + playbook.rollback.count, label: "always: ", on: runs)
    }

    /// Steps outside `steps:` (`rollback:`, `always:`), on every host of the run whether it
    /// failed or not, numbered after the playbook's steps so their records do not collide.
    private func runExtraSteps(
        _ steps: [(position: Int, definition: StepDefinition)], numberedFrom offset: Int, label: String, on runs: [HostRun]
    ) async -> Bool {
        var failed = false
        for (position, definition) in steps {
            let index = offset + position
            let targets = await targetsOf(definition, among: runs, includeFailed: true)
            let member = HostRun.Member(
                definition: definition, index: index,
                info: StepInfo(index: index, name: label + definition.name, kind: definition.kind))
            let results = await fanOut(definition.runOnce ? Array(targets.prefix(1)) : targets) { run in
                await run.execute(member)
            }
            if results.contains(where: { $0.outcome == .failed || $0.outcome == .unknown }) && !definition.ignoreFailure {
                failed = true
            }
        }
        return failed
    }

    /// Runs the read-only checks (`wait_for`, `check`, …) that ran before the failure again,
    /// to show the restored deployment works; true when one fails.
    private func verifyAgain(_ indices: [Int], on runs: [HostRun]) async -> Bool {
        var failed = false
        for index in indices {
            let definition = playbook.steps[index]
            let targets = await targetsOf(definition, among: runs, includeFailed: true)
            let member = HostRun.Member(
                definition: definition, index: index,
                info: StepInfo(index: index, name: "verify again: " + definition.name, kind: definition.kind))
            let results = await fanOut(definition.runOnce ? Array(targets.prefix(1)) : targets) { run in
                await run.execute(member)
            }
            if results.contains(where: { $0.outcome == .failed || $0.outcome == .unknown }) { failed = true }
        }
        return failed
    }
}
