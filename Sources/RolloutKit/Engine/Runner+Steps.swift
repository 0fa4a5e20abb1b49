/// The steps, in order: each on its hosts in parallel, in `serial` batches of hosts, with
/// consecutive one-command steps grouped into one round trip per host.
extension Runner {
    /// How far the steps got.
    struct Progress: Sendable {
        /// A step failed beyond what the playbook tolerates, or the run was interrupted.
        var aborted = false
        /// Read-only steps that ran (in order): they run again after a rollback.
        var verifications: [Int] = []
    }

    func runSteps(on runs: [HostRun]) async -> Progress {
        var progress = Progress()
        // A resumed run: a run_once step done before the stop, on whichever host, is done.
        var ranOnce: Set<Int> = []
        for run in runs { ranOnce.formUnion(await run.done.filter { playbook.steps[$0].runOnce }) }
        let tolerance = FailureTolerance(maxFailPercentage: playbook.maxFailPercentage)
        let batchSize = max(1, playbook.serial?.batchSize(of: runs.count) ?? runs.count)
        for batchStart in stride(from: 0, to: runs.count, by: batchSize) {
            let batch = Array(runs[batchStart..<min(runs.count, batchStart + batchSize)])
            var next = 0
            while next < playbook.steps.count {
                if interruption?.requested == true {
                    progress.aborted = true
                    return progress
                }
                let index = next
                let definition = playbook.steps[index]
                let all = await targetsOf(definition, among: batch)
                var targets = await pendingTargets(of: index, among: batch)
                let length = await groupLength(from: index, among: batch)
                next += length
                if targets.isEmpty, !all.isEmpty, length == 1, definition.step.runsAgainAfterRollback,
                    !progress.verifications.contains(index)
                {
                    // Done before a resumed run's stop: it still shows the restored state works.
                    progress.verifications.append(index)
                }
                if definition.runOnce {
                    if ranOnce.contains(index) { continue }
                    targets = Array(targets.prefix(1))
                    if !targets.isEmpty { ranOnce.insert(index) }
                }
                guard !targets.isEmpty else { continue }
                let members = (index..<(index + length)).map(member)
                let results = await fanOut(targets) { run in await run.execute(members) }
                if length == 1, definition.runsAgainAfterRollback, !progress.verifications.contains(index) {
                    progress.verifications.append(index)
                }
                for (position, member) in members.enumerated()
                where tolerance.isExceeded(
                    by: results.map { $0[position]?.outcome }, batchSize: batch.count,
                    ignoringFailures: member.definition.ignoreFailure)
                {
                    progress.aborted = true
                    return progress
                }
            }
        }
        return progress
    }

    /// The playbook's step at `index`, as a host runs and reports it.
    func member(_ index: Int) -> HostRun.Member {
        let definition = playbook.steps[index]
        return HostRun.Member(
            definition: definition, index: index,
            info: StepInfo(index: index, name: definition.name, kind: definition.kind, total: playbook.steps.count))
    }

    /// How many steps from `start` share one round trip per host. Not under `--check` or
    /// `--verbose` (whose live output would carry the batch's markers).
    /// A step that registers its result joins a batch unless something reads the result's
    /// `duration_ms`: the host does not time the steps of a batch (see `StepBatchOutput`).
    private func groupLength(from start: Int, among batch: [HostRun]) async -> Int {
        guard !options.check, output == nil else { return 1 }
        var grouping = StepGrouping()
        for index in playbook.steps.indices.suffix(from: start) {
            let definition = playbook.steps[index]
            let batchable =
                (definition.step as? any BatchableStep)?.batchable == true
                && definition.when == nil && definition.retries == 0 && definition.timeout == nil && !definition.runOnce
                && definition.register.map { !durationsRead.contains($0) } != false
            let candidate = StepGrouping.Candidate(
                batchable: batchable, hosts: await pendingTargets(of: index, among: batch).map(\.host.name),
                registers: definition.register, reads: Set(definition.templates.flatMap(\.references).compactMap(\.path.first)))
            if !grouping.add(candidate) { break }
        }
        return max(1, grouping.length)
    }

    /// The runs of `batch` that step `index` of the playbook still has to run on: its targets,
    /// less the hosts where a resumed run had done it before the stop.
    func pendingTargets(of index: Int, among batch: [HostRun]) async -> [HostRun] {
        var pending: [HostRun] = []
        for run in await targetsOf(playbook.steps[index], among: batch) where await !run.done.contains(index) { pending.append(run) }
        return pending
    }

    /// The runs of `batch` the step applies to; hosts that already failed take no further
    /// steps unless `includeFailed` (the restore). `run_once` is applied by the caller.
    func targetsOf(_ definition: StepDefinition, among batch: [HostRun], includeFailed: Bool = false) async -> [HostRun] {
        let names =
            definition.on.isEmpty
            ? Set(environment.hosts.map(\.name))
            : Set(definition.on.flatMap { environment.hosts(matching: $0) }.map(\.name))
        var targets: [HostRun] = []
        for run in batch where names.contains(run.host.name) {
            let hostFailed = await run.failed
            if includeFailed || !hostFailed { targets.append(run) }
        }
        return targets
    }
}
