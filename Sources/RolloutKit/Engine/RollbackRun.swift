import Foundation

/// `rollout rollback`: undoes a finished run from the record each host keeps, so it works from
/// any machine. It takes the deploy lock, keeps a copy of everything it overwrites, undoes the
/// run's changes newest first, runs the playbook's `rollback:` steps, and marks the run as
/// rolled back in its journal.
public struct RollbackRun: Sendable {
    /// What will be undone on one host.
    public struct HostPlan: Sendable {
        public var host: Host
        /// The run to undo; nil when the host has none.
        public var target: RunRecord?
        /// Its changes, newest first.
        public var steps: [StepRecord]
        /// Why a recorded change cannot be undone with this playbook (its steps changed).
        public var problems: [String]
        /// Undo sources (backup copies, dumps) that are gone from the host: while any host has
        /// one, the rollback changes nothing anywhere.
        public var missingSources: [String] = []
        /// What undoing would lose that the run did not write (a database that received
        /// writes since the deploy), one line per step: while any host has one, the rollback
        /// changes nothing anywhere, unless forced. Empty under `--force`.
        public var objections: [String] = []
        /// Runs of this playbook newer than the target whose changes are still in place: undoing
        /// the target puts back what was there before it, under theirs too (`--run` an older run).
        public var newerRuns: [RunRecord] = []
        /// Why the run `--run` names has nothing in place to undo on this host (its own rollback,
        /// or a `rollout rollback`, undid it); the target is nil then.
        public var alreadyUndone: String?
    }

    public var runner: Runner
    /// `--run ID`; nil picks each host's last run of this playbook that still has changes in
    /// place (see `target(among:on:)`).
    public var runID: RunID?
    /// `--force`: restore even a database that received writes since the deploy.
    public var force: Bool

    public init(runner: Runner, runID: RunID?, force: Bool = false) {
        self.runner = runner
        self.runID = runID
        self.force = force
    }

    /// What undoing `step` puts back and throws away, from its record, as its kind reads it
    /// (the playbook's step, or the kind the record names when the playbook changed).
    public func preview(of step: StepRecord) -> UndoPreview {
        let kind = definition(for: step).map { type(of: $0.step) as any RunnableStep.Type } ?? StepRegistry.kind(named: step.kind)
        guard let kind else { return UndoPreview(putsBack: "what the record of a '\(step.kind)' step holds (a kind this Rollout does not know)") }
        do {
            return try kind.undoRecord(recorded: step.undo).preview
        } catch {
            return UndoPreview(putsBack: "nothing it can read: \(error)")
        }
    }

    /// Reads every host's record and says what would be undone, changing nothing.
    public func plan() async throws -> [HostPlan] {
        let owner = runner.options.runID
        var plans: [HostPlan] = []
        for host in try runner.hosts() {
            let run = try runner.makeRun(host: host, runID: owner)
            // Hosts that are one machine share the state directory: each undoes its own record.
            let records = try await run.recordedRuns().filter { $0.host == host.name }
            var target = runID.map { id in records.first { $0.runID == id } } ?? Self.target(among: records, playbook: runner.loaded.playbook.name)
            // Undoing a run again would put its backups over whatever came after its undo.
            let alreadyUndone = target.flatMap { Self.undoneReason(of: $0, among: records) }
            if alreadyUndone != nil { target = nil }
            var problems: [String] = []
            let steps = (target?.undoableSteps ?? []).sorted { $0.index > $1.index }
            for step in steps where definition(for: step) == nil {
                problems.append(
                    "step \(step.index + 1) '\(step.name)' (\(step.kind)) is not step \(step.index + 1) of the playbook any more; restore it by hand: \(preview(of: step).putsBack)"
                )
            }
            var plan = HostPlan(host: host, target: target, steps: steps, problems: problems)
            plan.alreadyUndone = alreadyUndone
            plan.missingSources = try await missingSources(of: steps, on: run)
            if let target {
                plan.newerRuns = Self.newerRuns(than: target, among: records)
                if !force {
                    await adopt(plan, into: run)
                    plan.objections = await run.undoObjections()
                }
            }
            plans.append(plan)
        }
        return plans
    }

    /// Which undo sources of `steps` are not on the host, each with the step that needs it;
    /// one round trip.
    private func missingSources(of steps: [StepRecord], on run: HostRun) async throws -> [String] {
        let needed = steps.flatMap { step in
            guard let definition = definition(for: step), let record = try? type(of: definition.step).undoRecord(recorded: step.undo) else {
                return [(StepRecord, String)]()
            }
            return record.sources.map { (step, $0) }
        }
        guard !needed.isEmpty else { return [] }
        let script =
            "for rollout_f in " + needed.map { ShellWord.path($0.1) }.joined(separator: " ")
            + "; do if [ -f \"$rollout_f\" ]; then echo y; else echo n; fi; done"
        let result = try await run.transport.run(RemoteCommand(script), output: nil)
        let present = result.stdoutText.split(separator: "\n")
        return needed.enumerated().compactMap { position, item in
            guard position >= present.count || present[position] != "y" else { return nil }
            return "\(item.1) (step \(item.0.index + 1) '\(item.0.name)' restores from it)"
        }
    }

    /// Undoes what `plans` list; returns the summary (exit 0 restored, 3 not all of it).
    /// When an undo source is gone on any host it changes nothing and says what is missing.
    public func run(_ plans: [HostPlan]) async -> RunSummary {
        let events = runner.events
        let rollbackID = runner.options.runID
        let targets = plans.filter { $0.target != nil && !$0.steps.isEmpty }
        events.send(
            .runStarted(
                playbook: runner.options.playbookArgument, environment: runner.environment.name,
                hosts: targets.map(\.host.name), runID: rollbackID))
        let objections = plans.flatMap { plan in plan.objections.map { "[\(plan.host.name)] \($0)" } }
        guard objections.isEmpty else {
            for line in objections { events.send(.notice(line)) }
            events.send(
                .notice(
                    "nothing was changed on any host, so that those writes are not lost (with --force the rollback restores anyway, after a safety dump of what it replaces)"
                ))
            var summary = RunSummary(exitCode: .rollbackIncomplete)
            summary.refusedForWrites = true
            let targets = Set(plans.compactMap { $0.target?.runID })
            summary.rolledBackRun = targets.count == 1 ? targets.first : nil
            events.send(.runFinished(status: .rollbackFailed, summary: summary))
            return summary
        }
        let missing = plans.flatMap { plan in plan.missingSources.map { "[\(plan.host.name)] gone: \($0)" } }
        guard missing.isEmpty else {
            for line in missing { events.send(.notice(line)) }
            events.send(
                .notice(
                    "nothing was changed on any host: every undo source must be there before the rollback starts; put them back or restore by hand"))
            let summary = RunSummary(exitCode: .rollbackIncomplete)
            events.send(.runFinished(status: .rollbackFailed, summary: summary))
            return summary
        }
        let results = await withTaskGroup(of: HostOutcome.self) { group in
            for plan in targets {
                group.addTask { await undo(plan) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var undone: [HostStep] = []
        var notUndone: [HostStep] = []
        var lockLeftHeld: [String] = []
        var lockHeld = false
        for result in results {
            undone += result.undone.map { HostStep(host: result.host, step: $0) }
            notUndone += result.notUndone.map { HostStep(host: result.host, step: $0) }
            if !result.released { lockLeftHeld.append(result.host) }
            if let problem = result.problem { events.send(.notice(problem)) }
            lockHeld = lockHeld || result.lockHeld
        }
        let complete = notUndone.isEmpty && results.allSatisfy { $0.problem == nil }
        let undoneRuns = Set(plans.compactMap { $0.target?.runID })
        let exitCode: RolloutExitCode = complete ? .success : lockHeld && undone.isEmpty ? .lockHeld : .rollbackIncomplete
        var summary = RunSummary(exitCode: exitCode, undone: undone, notUndone: notUndone, lockLeftHeld: lockLeftHeld)
        summary.rolledBackRun = undoneRuns.count == 1 ? undoneRuns.first : nil
        summary.refusedForWrites = results.contains { $0.refusedForWrites }
        events.send(.runFinished(status: complete ? .rolledBack : .rollbackFailed, summary: summary))
        return summary
    }

    /// The run a rollback undoes when none is named: the newest run of this playbook that may
    /// still have changes in place. Not a rollback's own record, not a run a rollback already
    /// undid, not one whose own rollback completed (`rolled_back`, `interrupted`); a run that
    /// never finished (its runner was killed, or lost its connection) is one.
    static func target(among records: [RunRecord], playbook: String) -> RunRecord? {
        inPlace(among: records, playbook: playbook).last
    }

    /// Why `record` has nothing in place to undo, or nil when it may have: its journal says it
    /// was rolled back (by its own failure, its interruption, or a rollback that marked it), or
    /// a rollback that finished undid it.
    static func undoneReason(of record: RunRecord, among records: [RunRecord]) -> String? {
        if let rollback = records.first(where: { $0.undoes == record.runID && $0.status == .succeeded }) {
            return "was undone by rollback \(rollback.runID)"
        }
        switch record.status {
        case .rolledBack: return "was rolled back already"
        case .interrupted: return "was interrupted and undid its changes then"
        default: return nil
        }
    }

    /// The runs of `playbook` in `records` (oldest first) that may still have changes in place.
    private static func inPlace(among records: [RunRecord], playbook: String) -> [RunRecord] {
        // A rollback that did not finish leaves its run offered, to be undone again.
        let undone = Set(records.filter { $0.status == .succeeded }.compactMap(\.undoes))
        let inPlace: Set<RunStatus> = [.succeeded, .running, .rollbackFailed]
        return records.filter { record in
            record.playbook == playbook && record.undoes == nil && !undone.contains(record.runID)
                && inPlace.contains(record.status) && !record.undoableSteps.isEmpty
        }
    }

    /// The runs of the target's playbook after it whose changes are still in place (not
    /// rollbacks, not undone).
    static func newerRuns(than target: RunRecord, among records: [RunRecord]) -> [RunRecord] {
        // By start time: two runs started in the same second sort by their IDs' random part.
        inPlace(among: records, playbook: target.playbook).filter { $0.startedAt > target.startedAt }
    }

    /// Hands `plan`'s changes to `run`, as the undo takes them over.
    private func adopt(_ plan: HostPlan, into run: HostRun) async {
        guard let target = plan.target else { return }
        let total = runner.loaded.playbook.steps.count
        let changes = plan.steps.reversed().compactMap { step -> HostRun.Change? in
            definition(for: step).map {
                HostRun.Change(
                    definition: $0, info: StepInfo(index: step.index, name: step.name, kind: step.kind, total: total), undo: step.undo)
            }
        }
        let finished = target.steps.compactMap { step -> FinishedStep? in
            guard step.outcome == .ok || step.outcome == .changed, let definition = definition(for: step) else { return nil }
            return FinishedStep(index: step.index, name: step.name, step: definition.step, outcome: step.outcome ?? .ok, fields: [:])
        }
        await run.adopt(changes, finished: finished, from: target, force: force)
    }

    private func definition(for step: StepRecord) -> StepDefinition? {
        let steps = runner.loaded.playbook.steps
        guard steps.indices.contains(step.index), steps[step.index].kind == step.kind else { return nil }
        return steps[step.index]
    }

    /// How the rollback went on one host.
    private struct HostOutcome: Sendable {
        var host: String
        var undone: [StepInfo] = []
        /// Undos that failed, and recorded changes this playbook cannot undo any more.
        var notUndone: [StepInfo] = []
        var released = true
        var problem: String?
        /// Another run holds the host's deploy lock: nothing was done there.
        var lockHeld = false
        /// A database received writes since the deploy: nothing was undone there.
        var refusedForWrites = false
    }

    private func undo(_ plan: HostPlan) async -> HostOutcome {
        let host = plan.host.name
        var outcome = HostOutcome(host: host)
        guard let target = plan.target else { return outcome }
        let run: HostRun
        do {
            run = try runner.makeRun(host: plan.host, runID: runner.options.runID)
            let header = RunHeader(
                runID: runner.options.runID, playbook: runner.loaded.playbook.name,
                playbookHash: runner.loaded.playbook.contentHash, environment: runner.environment.name,
                host: host, user: RunRecord.currentUser(environment: runner.processEnvironment), startedAt: Date(),
                undoes: target.runID)
            try await run.acquireLock(
                owner: header.user, header: header, playbook: runner.options.playbookArgument,
                environment: runner.environment.name, wait: runner.options.lockWait)
        } catch {
            outcome.lockHeld = error is LockHeldError
            outcome.problem = error is LockHeldError || error is TransportError ? "\(error)" : "[\(host)] \(error)"
            return outcome
        }
        let total = runner.loaded.playbook.steps.count
        // Listed in the plan's problems: left for a human, so the run is not marked undone.
        for step in plan.steps.reversed() where definition(for: step) == nil {
            outcome.notUndone.append(StepInfo(index: step.index, name: step.name, kind: step.kind, total: total))
        }
        await adopt(plan, into: run)
        let stoppedFirst = await runner.runRollbackSteps(on: [run], beforeUndo: true)
        let (done, failed) = await run.undoChanges()
        outcome.undone = done
        outcome.notUndone += failed
        outcome.refusedForWrites = await run.refusedUndo
        if outcome.notUndone.isEmpty {
            if await runner.runRollbackSteps(on: [run], beforeUndo: false) || stoppedFirst {
                outcome.problem = "[\(host)] a rollback: step failed"
            }
            do {
                try await run.append([.runFinished(status: .rolledBack, at: Date())], toJournalOf: target.runID)
            } catch {
                outcome.problem = "\(error)"
            }
        }
        if await runner.runAlwaysSteps(on: [run]) {
            runner.events.send(.notice("[\(host)] an always: step failed; clean up what it was for by hand"))
        }
        outcome.released = await run.finish(status: outcome.notUndone.isEmpty && outcome.problem == nil ? .succeeded : .rollbackFailed)
        return outcome
    }
}
