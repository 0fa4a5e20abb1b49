import Foundation

/// Runs a loaded playbook on the hosts of one environment: takes the deploy lock on every
/// host, runs the steps in order (each step on its hosts in parallel, `forks` at a time, in
/// `serial` batches), and when a step fails or the run is interrupted, undoes what the run
/// changed, newest first, then runs the playbook's `rollback:` steps and its read-only checks
/// again.
///
/// `run()` is the sequence; each phase lives in its own extension: preparing the hosts
/// (`Runner+Preparation`), the steps (`Runner+Steps`), the restore after a failure
/// (`Runner+Restore`), and the end of the run (`Runner+Finish`). The decisions they take are
/// pure values tested as tables: `StepGrouping`, `FailureTolerance`, `RunVerdict`.
public struct Runner: Sendable {
    /// What to run and how.
    public struct Options: Sendable {
        /// The playbook as the user named it, for the commands the summary suggests.
        public var playbookArgument: String
        /// Only these hosts (names or groups); empty means all.
        public var limit: [String]
        /// Only this part of those hosts (`--shard K/N`).
        public var shard: HostShard?
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
            playbookArgument: String, limit: [String] = [], shard: HostShard? = nil, runID: RunID = .generate(), check: Bool = false,
            lockWait: LockWaitPolicy = .noWait, overrides: [String: String] = [:], localStore: LocalRunStore? = nil
        ) {
            self.playbookArgument = playbookArgument
            self.limit = limit
            self.shard = shard
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
    /// Where leases, retry delays and the steps' polling read the time.
    public var clock: any RunClock
    /// The registered names whose `duration_ms` a template reads (see `groupLength`).
    let durationsRead: Set<String>

    public init(
        loaded: LoadedPlaybook, environment: Inventory.Environment, secrets: [String: Secret],
        processEnvironment: [String: String], options: Options, events: RunEvents, connect: @escaping Connector,
        interruption: Interruption? = nil, output: (@Sendable (String, OutputChunk) -> Void)? = nil,
        clock: any RunClock = SystemClock()
    ) {
        self.clock = clock
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
        let playbook = loaded.playbook
        durationsRead = Set(
            (playbook.steps + playbook.rollback + playbook.always).flatMap(\.templates).flatMap(\.references)
                .filter { $0.path.count == 2 && $0.path[1] == "duration_ms" }.map(\.path[0]))
    }

    var playbook: Playbook { loaded.playbook }

    /// The hosts the run covers, after `--limit` and `--shard`.
    public func hosts() throws(HostLimitError) -> [Host] {
        let limited = try environment.hosts(limitedTo: options.limit)
        return options.shard?.hosts(of: limited) ?? limited
    }

    /// Runs the playbook and returns what happened; never throws: every failure is in the
    /// summary and its exit code.
    public func run() async -> RunSummary {
        guard let hosts = reportStart() else { return refuse(.invalidInput) }
        if options.check {
            events.send(.notice("check mode: reading the hosts' current state; nothing will be changed and no lock is taken"))
        }
        guard !hosts.isEmpty else { return refuse(.invalidInput) }

        // Connect and lock every host before any step runs, so a host that cannot be reached
        // or is being deployed by someone else stops the run while nothing has changed.
        let runs: [HostRun]
        switch await prepare(hosts: hosts) {
        case .ready(let prepared):
            runs = prepared
        case .refused(let prepared, let code, let messages):
            await withTaskGroup(of: Void.self) { group in
                for run in prepared { group.addTask { await run.abandon() } }
            }
            for message in messages { events.send(.notice(masker.mask(message))) }
            return refuse(code)
        }

        return await carryOut(runs)
    }

    /// The run once every host is connected and locked: the preflight, the steps, the restore
    /// after a failure, the `always:` steps and the end. Shared by `run` and `resume`.
    func carryOut(_ runs: [HostRun]) async -> RunSummary {
        // What would stop a step later (a backup without room) is found while nothing changed.
        if !options.check {
            let refusals = await preflight(runs)
            if !refusals.isEmpty {
                await withTaskGroup(of: Void.self) { group in
                    for run in runs { group.addTask { await run.abandon() } }
                }
                for message in refusals + ["nothing was changed on any host"] { events.send(.notice(message)) }
                let summary = RunSummary(exitCode: .restored)
                events.send(.runFinished(status: .failed, summary: summary))
                return summary
            }
        }

        let stopper = forwardStopRequests(to: runs)
        let progress = await runSteps(on: runs)
        var restoration = await restore(runs, after: progress)
        if !options.check, !playbook.always.isEmpty, await runAlwaysSteps(on: runs) {
            // The deploy's outcome stands; the summary lists the cleanup step that failed.
            events.send(.notice("an always: step failed; the outcome above stands, but clean up what that step was for by hand"))
            restoration.alwaysFailed = true
        }
        let summary = await finish(runs, restoration: restoration)
        stopper.cancel()
        await stopper.value
        return summary
    }

    /// The hosts the run covers, its start reported; nil, the reason reported, when `--limit`
    /// names what the environment does not have.
    func reportStart() -> [Host]? {
        do {
            let hosts = try self.hosts()
            events.send(
                .runStarted(playbook: options.playbookArgument, environment: environment.name, hosts: hosts.map(\.name), runID: options.runID))
            return hosts
        } catch {
            events.send(.notice("\(error)"))
            return nil
        }
    }

    /// The summary of a run that could not start, reported.
    func refuse(_ code: RolloutExitCode) -> RunSummary {
        let summary = RunSummary(exitCode: code)
        events.send(.runFinished(status: .failed, summary: summary))
        return summary
    }

    /// On Ctrl-C, tells hosts running a batch of steps to stop before the batch's next step,
    /// over a second connection since the first is busy with the batch.
    private func forwardStopRequests(to runs: [HostRun]) -> Task<Void, Never> {
        Task { [connect, interruption] in
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
    }

    /// `body` for each item, at most `forks` at a time, results in the items' order.
    func fanOut<Item: Sendable, Output: Sendable>(
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
