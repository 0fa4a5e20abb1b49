import Foundation

/// Runs a loaded playbook on the hosts of one environment: takes the deploy lock on every
/// host, runs the steps in order (each step on its hosts in parallel, `forks` at a time, in
/// `serial` batches), and when a step fails or the run is interrupted, undoes what the run
/// changed, newest first, then runs the playbook's `rollback:` steps and its read-only checks
/// again.
public struct Runner: Sendable {
    /// What to run and how.
    public struct Options: Sendable {
        /// The playbook as the user named it, for the commands the summary suggests.
        public var playbookArgument: String
        /// Only these hosts (names or groups); empty means all.
        public var limit: [String]
        /// The run's ID, chosen before it starts so that messages can name it.
        public var runID: RunID
        /// Plan every step against the hosts' current state and change nothing.
        public var check: Bool
        public var lockWait: LockWaitPolicy
        /// `--var name=value` overrides.
        public var overrides: [String: String]
        /// Where the local copies of run records go (`.rollout/` of the working directory).
        public var localStore: LocalRunStore?

        public init(
            playbookArgument: String, limit: [String] = [], runID: RunID = .generate(), check: Bool = false, lockWait: LockWaitPolicy = .noWait,
            overrides: [String: String] = [:], localStore: LocalRunStore? = nil
        ) {
            self.playbookArgument = playbookArgument
            self.limit = limit
            self.runID = runID
            self.check = check
            self.lockWait = lockWait
            self.overrides = overrides
            self.localStore = localStore
        }
    }

    /// Opens the transport to a host (not yet connected: the first command connects).
    public typealias Connector = @Sendable (Host) throws -> any Transport

    public var loaded: LoadedPlaybook
    public var environment: Inventory.Environment
    public var secrets: [String: Secret]
    /// Environment variables of this machine (`{{ env.X }}`).
    public var processEnvironment: [String: String]
    public var options: Options
    public var events: RunEvents
    public var masker: SecretMasker
    public var connect: Connector
    public var interruption: Interruption?
    /// Receives the output of every command as it arrives (`--verbose`).
    public var output: (@Sendable (String, OutputChunk) -> Void)?

    public init(
        loaded: LoadedPlaybook, environment: Inventory.Environment, secrets: [String: Secret],
        processEnvironment: [String: String], options: Options, events: RunEvents, connect: @escaping Connector,
        interruption: Interruption? = nil, output: (@Sendable (String, OutputChunk) -> Void)? = nil
    ) {
        self.loaded = loaded
        self.environment = environment
        self.secrets = secrets
        self.processEnvironment = processEnvironment
        self.options = options
        self.events = events
        self.masker = SecretMasker(secrets: SecretResolver.valuesToMask(secrets))
        self.connect = connect
        self.interruption = interruption
        self.output = output
    }

    private var playbook: Playbook { loaded.playbook }

    /// The hosts the run covers, after `--limit`.
    public func hosts() throws(HostLimitError) -> [Host] {
        try environment.hosts(limitedTo: options.limit)
    }

    /// Runs the playbook and returns what happened; never throws: every failure is in the
    /// summary and its exit code.
    public func run() async -> RunSummary {
        let runID = options.runID
        let hosts: [Host]
        do {
            hosts = try self.hosts()
        } catch {
            events.send(.notice("\(error)"))
            let summary = RunSummary(exitCode: .invalidInput)
            events.send(.runFinished(status: .failed, summary: summary))
            return summary
        }
        events.send(.runStarted(playbook: options.playbookArgument, environment: environment.name, hosts: hosts.map(\.name), runID: runID))
        if options.check {
            events.send(.notice("check mode: reading the hosts' current state; nothing will be changed and no lock is taken"))
        }
        guard !hosts.isEmpty else {
            let summary = RunSummary(exitCode: .invalidInput)
            events.send(.runFinished(status: .failed, summary: summary))
            return summary
        }

        // Connect and lock every host before any step runs, so a host that cannot be reached
        // or is being deployed by someone else stops the run while nothing has changed.
        let runs: [HostRun]
        switch await prepare(hosts: hosts, runID: runID) {
        case .ready(let prepared):
            runs = prepared
        case .refused(let prepared, let code, let messages):
            await withTaskGroup(of: Void.self) { group in
                for run in prepared { group.addTask { await run.abandon() } }
            }
            for message in messages { events.send(.notice(masker.mask(message))) }
            let summary = RunSummary(exitCode: code)
            events.send(.runFinished(status: .failed, summary: summary))
            return summary
        }

        // On Ctrl-C, tell hosts running a batch of steps to stop before the next step; a
        // second connection, since the first is busy with the batch.
        let stopper = Task { [connect] in
            guard let interruption else { return }
            while !interruption.requested {
                do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
            }
            await withTaskGroup(of: Void.self) { group in
                for run in runs {
                    group.addTask {
                        guard let transport = try? connect(run.host) else { return }
                        _ = try? await transport.run(RemoteCommand("touch -- \(ShellWord.path(run.journal.stopPath))"), output: nil)
                        await transport.close()
                    }
                }
            }
        }

        let total = playbook.steps.count
        var aborted = false
        var ranOnce: Set<Int> = []
        var ranVerifications: [Int] = []
        let batchSize = playbook.serial?.batchSize(of: runs.count) ?? runs.count
        batches: for batchStart in stride(from: 0, to: runs.count, by: max(1, batchSize)) {
            let batch = Array(runs[batchStart..<min(runs.count, batchStart + batchSize)])
            var next = 0
            while next < playbook.steps.count {
                let index = next
                let definition = playbook.steps[index]
                next += 1
                if interruption?.requested == true { aborted = true; break batches }
                var targets = await targetsOf(definition, among: batch)
                let group = await batchable(from: index, targets: targets, among: batch)
                if group.count > 1 {
                    next = index + group.count
                    let members = group.map { i in
                        (definition: playbook.steps[i], index: i,
                         info: StepInfo(index: i, name: playbook.steps[i].name, kind: playbook.steps[i].kind, total: total))
                    }
                    let results = await fanOut(targets) { run in await run.executeBatch(members) }
                    for (position, member) in members.enumerated()
                    where exceedsTolerance(results.map { $0[position] }, of: member.definition, batchSize: batch.count) {
                        aborted = true
                        break batches
                    }
                    continue
                }
                if definition.runOnce {
                    if ranOnce.contains(index) { continue }
                    targets = Array(targets.prefix(1))
                    if !targets.isEmpty { ranOnce.insert(index) }
                }
                guard !targets.isEmpty else { continue }
                let info = StepInfo(index: index, name: definition.name, kind: definition.kind, total: total)
                let results = await fanOut(targets) { run in await run.execute(definition, index: index, info: info) }
                if definition.step.runsAgainAfterRollback,
                   !ranVerifications.contains(index) {
                    ranVerifications.append(index)
                }
                if exceedsTolerance(results, of: definition, batchSize: batch.count) {
                    aborted = true
                    break batches
                }
            }
        }

        var undone: [HostStep] = []
        var notUndone: [HostStep] = []
        var rollbackFailed = false
        let interrupted = interruption?.requested == true
        if !options.check {
            // Hosts that failed within `max_fail_percentage` are restored even when the run goes on.
            var toUndo: [HostRun] = []
            for run in runs {
                let hostFailed = await run.failed
                if aborted || interrupted || hostFailed { toUndo.append(run) }
            }
            // A rolling deploy is undone the way it ran, batch by batch, last batch first: the
            // hosts not yet touched (or already restored) keep serving while a batch restarts.
            var outcomes: [(String, (undone: [StepInfo], failed: [StepInfo]))] = []
            let undoBatch = max(1, playbook.serial?.batchSize(of: runs.count) ?? toUndo.count)
            for start in stride(from: 0, to: toUndo.count, by: undoBatch).reversed() {
                let batch = Array(toUndo[start..<min(toUndo.count, start + undoBatch)])
                outcomes += await fanOut(batch) { run in (run.host.name, await run.undoChanges()) }
            }
            for (host, outcome) in outcomes {
                undone += outcome.undone.map { HostStep(host: host, step: $0) }
                notUndone += outcome.failed.map { HostStep(host: host, step: $0) }
            }
            if aborted || interrupted {
                rollbackFailed = await runRollbackSteps(on: runs)
                rollbackFailed = await verifyAgain(ranVerifications, on: runs) || rollbackFailed
            }
        }
        for run in runs { for step in await run.unknownSteps { notUndone.append(HostStep(host: run.host.name, step: step)) } }

        let restoredCleanly = notUndone.isEmpty && !rollbackFailed
        let exitCode: RolloutExitCode
        let status: RunStatus
        if interrupted {
            (exitCode, status) = restoredCleanly ? (.interrupted, .interrupted) : (.rollbackIncomplete, .rollbackFailed)
        } else if aborted {
            (exitCode, status) = restoredCleanly ? (.restored, .rolledBack) : (.rollbackIncomplete, .rollbackFailed)
        } else {
            (exitCode, status) = restoredCleanly ? (.success, .succeeded) : (.rollbackIncomplete, .rollbackFailed)
        }

        var lockLeftHeld: [String] = []
        var changed: [HostStep] = []
        var failed: [HostStep] = []
        let finished = await fanOut(runs) { run -> (String, Bool, RunStatus, RunRecord?) in
            let hostFailed = await run.failed
            let hostStatus: RunStatus = status == .succeeded && hostFailed ? .rolledBack : status
            let released = await run.finish(status: hostStatus)
            // Closed here, all hosts at once: each close waits for its host to end the shell.
            await run.transport.close()
            let record = await run.record()
            if let record, !options.check { _ = try? options.localStore?.save(record) }
            return (run.host.name, released, hostStatus, record)
        }
        for (host, released, _, record) in finished {
            if !released { lockLeftHeld.append(host) }
            guard let record else { continue }
            for step in record.steps {
                // Rollback steps are numbered after the playbook's steps; name them as the run did.
                let isRollback = step.index >= total
                let info = StepInfo(index: step.index, name: isRollback ? "rollback: " + step.name : step.name,
                                    kind: step.kind, total: isRollback ? nil : total)
                let hostStep = HostStep(host: host, step: info)
                if step.outcome == .failed || step.outcome == .unknown { failed.append(hostStep) }
                if step.outcome == .changed, !undone.contains(hostStep) { changed.append(hostStep) }
            }
        }
        stopper.cancel()
        await stopper.value
        let summary = RunSummary(
            exitCode: exitCode, changed: options.check ? [] : changed, failed: failed, undone: undone,
            notUndone: notUndone, lockLeftHeld: lockLeftHeld)
        events.send(.runFinished(status: status, summary: summary))
        return summary
    }

    /// True when more of a serial batch's hosts failed `definition` (`nil`: did not run it) than
    /// `max_fail_percentage` allows: the run then stops and rolls back.
    private func exceedsTolerance(_ results: [StepRun?], of definition: StepDefinition, batchSize: Int) -> Bool {
        guard !definition.ignoreFailure else { return false }
        let failed = results.filter { $0?.outcome == .failed || $0?.outcome == .unknown }.count
        return failed * 100 > playbook.maxFailPercentage * batchSize
    }

    /// The steps from `start` on that can share one round trip per host: one-command steps
    /// with no `when`, `register`, retries, timeout or `run_once`, on the same hosts. Not under
    /// `--check` or `--verbose` (whose live output would carry the batch's markers).
    private func batchable(from start: Int, targets: [HostRun], among batch: [HostRun]) async -> [Int] {
        guard !options.check, output == nil else { return [start] }
        let names = targets.map(\.host.name)
        var group: [Int] = []
        for index in start..<playbook.steps.count {
            let definition = playbook.steps[index]
            guard let step = definition.step as? any BatchableStep, step.batchable,
                  definition.when == nil, definition.register == nil, definition.retries == 0,
                  definition.timeout == nil, !definition.runOnce,
                  await targetsOf(definition, among: batch).map(\.host.name) == names
            else { break }
            group.append(index)
        }
        return group.isEmpty ? [start] : group
    }

    // MARK: - Preparation

    private enum Preparation {
        case ready([HostRun])
        /// The run cannot start; `runs` are the hosts prepared so far, whose locks are released.
        case refused([HostRun], RolloutExitCode, [String])
    }

    private func prepare(hosts: [Host], runID: RunID) async -> Preparation {
        let owner = RunRecord.currentUser(environment: processEnvironment)
        let outcomes = await fanOut(hosts) { host -> Result<HostRun, any Error> in
            do {
                let run = try makeRun(host: host, runID: runID)
                if options.check {
                    _ = try await run.transport.run(RemoteCommand("true"), output: nil)
                } else {
                    let header = RunHeader(
                        runID: runID, playbook: playbook.name, playbookHash: playbook.contentHash,
                        environment: environment.name, host: host.name, user: owner, startedAt: Date())
                    try await run.acquireLock(
                        owner: owner, header: header, playbook: options.playbookArgument,
                        environment: environment.name, wait: options.lockWait)
                }
                return .success(run)
            } catch {
                return .failure(error)
            }
        }
        var runs: [HostRun] = []
        var lockMessages: [String] = []
        var connectMessages: [String] = []
        for (host, outcome) in zip(hosts, outcomes) {
            switch outcome {
            case .success(let run): runs.append(run)
            case .failure(let error as LockHeldError): lockMessages.append("\(error)")
            case .failure(let error as TransportError): connectMessages.append("\(error)")
            case .failure(let error): connectMessages.append("[\(host.name)] \(error)")
            }
        }
        if !connectMessages.isEmpty {
            return .refused(runs, .connectionFailed, connectMessages + lockMessages + ["nothing was changed on any host"])
        }
        if !lockMessages.isEmpty {
            return .refused(runs, .lockHeld, lockMessages + ["nothing was changed on any host"])
        }
        return .ready(runs)
    }

    func makeRun(host: Host, runID: RunID) throws -> HostRun {
        let scope = playbook.scope(
            for: host, in: environment, secrets: secrets, overrides: options.overrides,
            processEnvironment: processEnvironment, runID: runID.rawValue)
        let stateDirectory = try StateDirectory.path(
            of: playbook, environment: environment, host: host, overrides: options.overrides,
            processEnvironment: processEnvironment)
        let hostOutput = output.map { sink in { @Sendable (chunk: OutputChunk) in sink(host.name, chunk) } }
        return HostRun(
            host: host, transport: try connect(host), runID: runID, stateDirectory: stateDirectory, scope: scope,
            masker: masker, events: events, checkMode: options.check, output: hostOutput)
    }

    // MARK: - Rollback

    /// Runs the playbook's `rollback:` steps on every host of the run; true when one failed.
    func runRollbackSteps(on runs: [HostRun]) async -> Bool {
        var failed = false
        let offset = playbook.steps.count
        for (position, definition) in playbook.rollback.enumerated() {
            let index = offset + position
            let targets = await targetsOf(definition, among: runs, includeFailed: true)
            let info = StepInfo(index: index, name: "rollback: " + definition.name, kind: definition.kind)
            let results = await fanOut(definition.runOnce ? Array(targets.prefix(1)) : targets) { run in
                await run.execute(definition, index: index, info: info)
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
            let info = StepInfo(index: index, name: "verify again: " + definition.name, kind: definition.kind)
            let results = await fanOut(definition.runOnce ? Array(targets.prefix(1)) : targets) { run in
                await run.execute(definition, index: index, info: info)
            }
            if results.contains(where: { $0.outcome == .failed || $0.outcome == .unknown }) { failed = true }
        }
        return failed
    }

    // MARK: - Fan-out

    /// The runs of `batch` the step applies to; hosts that already failed take no further steps.
    private func targetsOf(_ definition: StepDefinition, among batch: [HostRun], includeFailed: Bool = false) async -> [HostRun] {
        // `run_once` is applied by the caller, among the hosts still in the run.
        let names = definition.on.isEmpty
            ? Set(environment.hosts.map(\.name))
            : Set(definition.on.flatMap { environment.hosts(matching: $0) }.map(\.name))
        var targets: [HostRun] = []
        for run in batch where names.contains(run.host.name) {
            let hostFailed = await run.failed
            if includeFailed || !hostFailed { targets.append(run) }
        }
        return targets
    }

    /// `body` for each item, at most `forks` at a time, results in the items' order.
    private func fanOut<Item: Sendable, Output: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async -> Output
    ) async -> [Output] {
        let limit = max(1, playbook.forks)
        return await withTaskGroup(of: (Int, Output).self) { group in
            var results = [Output?](repeating: nil, count: items.count)
            var next = 0
            while next < min(limit, items.count) {
                let index = next
                group.addTask { (index, await body(items[index])) }
                next += 1
            }
            for await (index, output) in group {
                results[index] = output
                if next < items.count {
                    let index = next
                    group.addTask { (index, await body(items[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}
