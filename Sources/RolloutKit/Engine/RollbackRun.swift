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
    }

    public var runner: Runner
    /// `--run ID`; nil picks each host's last successful run of this playbook.
    public var runID: RunID?

    public init(runner: Runner, runID: RunID?) {
        self.runner = runner
        self.runID = runID
    }

    /// Reads every host's record and says what would be undone, changing nothing.
    public func plan() async throws -> [HostPlan] {
        let owner = runner.options.runID
        var plans: [HostPlan] = []
        for host in try runner.hosts() {
            let run = try runner.makeRun(host: host, runID: owner)
            let records = try await run.recordedRuns()
            // Another playbook may share the state directory; its runs are not this one's to undo.
            let target = runID.map { id in records.first { $0.runID == id } }
                ?? records.last { $0.status == .succeeded && $0.playbook == runner.loaded.playbook.name }
            var problems: [String] = []
            let steps = (target?.undoableSteps ?? []).sorted { $0.index > $1.index }
            for step in steps where definition(for: step) == nil {
                problems.append("step \(step.index + 1) '\(step.name)' (\(step.kind)) is not step \(step.index + 1) of the playbook any more; restore it by hand from \(step.undo["backup"] ?? "its backup")")
            }
            var plan = HostPlan(host: host, target: target, steps: steps, problems: problems)
            plan.missingSources = try await missingSources(of: steps, on: run)
            plans.append(plan)
        }
        return plans
    }

    /// Which undo sources of `steps` are not on the host, each with the step that needs it;
    /// one round trip.
    private func missingSources(of steps: [StepRecord], on run: HostRun) async throws -> [String] {
        let needed = steps.flatMap { step in
            (definition(for: step)?.step.undoSources(step.undo) ?? []).map { (step, $0) }
        }
        guard !needed.isEmpty else { return [] }
        let script = "for rollout_f in " + needed.map { ShellWord.path($0.1) }.joined(separator: " ")
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
        events.send(.runStarted(playbook: runner.options.playbookArgument, environment: runner.environment.name,
                                hosts: targets.map(\.host.name), runID: rollbackID))
        let missing = plans.flatMap { plan in plan.missingSources.map { "[\(plan.host.name)] gone: \($0)" } }
        guard missing.isEmpty else {
            for line in missing { events.send(.notice(line)) }
            events.send(.notice("nothing was changed on any host: every undo source must be there before the rollback starts; put them back or restore by hand"))
            let summary = RunSummary(exitCode: .rollbackIncomplete)
            events.send(.runFinished(status: .rollbackFailed, summary: summary))
            return summary
        }
        let results = await withTaskGroup(of: (String, [StepInfo], [StepInfo], Bool, String?).self) { group in
            for plan in targets {
                group.addTask { await undo(plan) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var undone: [HostStep] = []
        var notUndone: [HostStep] = []
        var lockLeftHeld: [String] = []
        for (host, done, failed, released, problem) in results {
            undone += done.map { HostStep(host: host, step: $0) }
            notUndone += failed.map { HostStep(host: host, step: $0) }
            if !released { lockLeftHeld.append(host) }
            if let problem { events.send(.notice(problem)) }
        }
        let complete = notUndone.isEmpty && !plans.contains { !$0.problems.isEmpty } && results.allSatisfy { $0.4 == nil }
        let summary = RunSummary(exitCode: complete ? .success : .rollbackIncomplete, undone: undone, notUndone: notUndone, lockLeftHeld: lockLeftHeld)
        events.send(.runFinished(status: complete ? .rolledBack : .rollbackFailed, summary: summary))
        return summary
    }

    private func definition(for step: StepRecord) -> StepDefinition? {
        let steps = runner.loaded.playbook.steps
        guard steps.indices.contains(step.index), steps[step.index].kind == step.kind else { return nil }
        return steps[step.index]
    }

    private func undo(_ plan: HostPlan) async -> (String, [StepInfo], [StepInfo], Bool, String?) {
        let host = plan.host.name
        guard let target = plan.target else { return (host, [], [], true, nil) }
        let run: HostRun
        do {
            run = try runner.makeRun(host: plan.host, runID: runner.options.runID)
            let header = RunHeader(
                runID: runner.options.runID, playbook: runner.loaded.playbook.name,
                playbookHash: runner.loaded.playbook.contentHash, environment: runner.environment.name,
                host: host, user: RunRecord.currentUser(environment: runner.processEnvironment), startedAt: Date())
            try await run.acquireLock(
                owner: header.user, header: header, playbook: runner.options.playbookArgument,
                environment: runner.environment.name, wait: runner.options.lockWait)
        } catch {
            return (host, [], [], true, "[\(host)] \(error)")
        }
        let total = runner.loaded.playbook.steps.count
        let changes = plan.steps.reversed().compactMap { step -> HostRun.Change? in
            guard let definition = definition(for: step) else { return nil }
            return HostRun.Change(
                definition: definition, info: StepInfo(index: step.index, name: step.name, kind: step.kind, total: total),
                undo: step.undo)
        }
        let finished = target.steps.compactMap { step -> FinishedStep? in
            guard step.outcome == .ok || step.outcome == .changed, let definition = definition(for: step) else { return nil }
            return FinishedStep(index: step.index, name: step.name, step: definition.step, outcome: step.outcome ?? .ok, fields: [:])
        }
        await run.adopt(changes, finished: finished)
        let (done, failed) = await run.undoChanges()
        var problem: String?
        if failed.isEmpty {
            let rollbackFailed = await runner.runRollbackSteps(on: [run])
            if rollbackFailed { problem = "[\(host)] a rollback: step failed" }
            do {
                try await run.append([.runFinished(status: .rolledBack, at: Date())], toJournalOf: target.runID)
            } catch {
                problem = "\(error)"
            }
        }
        let released = await run.finish(status: failed.isEmpty && problem == nil ? .succeeded : .rollbackFailed)
        return (host, done, failed, released, problem)
    }
}
