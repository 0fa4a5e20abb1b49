import ArgumentParser
import Foundation
import RolloutKit

/// `rollout run PLAYBOOK -e ENV`: deploys, and undoes the deploy when a step fails.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a playbook on the hosts of an environment; undo it if a step fails.",
        discussion: """
            Every host is connected and locked before the first step; each step then runs on its \
            hosts in parallel (forks at a time). When a step fails, or on Ctrl-C, rollout undoes \
            what the run changed on each host, newest first, runs the playbook's rollback: steps \
            and its read-only checks again. A second Ctrl-C exits at once.

            Examples:
              rollout run playbooks/youarecoder/deploy.yml -e production
              rollout run deploy.yml -e staging --var ref=v2.3.1 --junit out.xml
              rollout run deploy.yml -e production --limit app1 --check
              rollout run deploy.yml -e production --shard 2/4   (CI job 2 of 4, see docs/ci.md)

            Resuming a stopped run: when a run stops without finishing (its runner killed, \
            the machine or connection lost), `--resume ID` continues it under the same run \
            ID from its first unfinished step on each host. Rollout first reads each host's \
            record of the run and refuses (exit 2, or 4 for a lock), saying what differs, \
            when the playbook changed since (naming the steps), a host's record ends where \
            the run cannot have left it, the run already finished or was rolled back, a step \
            needs a result registered before the stop, or the lock is another run's or its \
            runner still lives. A step in flight at the stop runs again only when it is safe \
            to (set_env, upload, git, restart_service, read-only steps; a shell step whose \
            end is recorded is judged by its exit code); otherwise rollout names it and \
            stops. --force goes on despite a changed playbook, an in-flight step, an odd \
            record or a live runner of the run itself; never despite another run's lock. If \
            the resumed run fails, it undoes the whole run, the steps before the stop too. \
            Pass the same --var values as the run (they are not in the playbook's hash).
              rollout history deploy.yml -e production      # the stopped run: running
              rollout run deploy.yml -e production --resume 20261123T134501Z-3f9a

            Exit status: 0 success · 1 a step failed and the previous state was restored · \
            2 invalid input, nothing ran · 3 rollback failed or incomplete, a human is needed · \
            4 deploy lock held · 5 could not connect or authenticate, nothing changed · \
            130 interrupted (after rollback).
            """
    )

    @OptionGroup var selection: PlaybookSelection
    @OptionGroup var output: RunOutputOptions

    @Flag(help: "Plan every step against the hosts' current state; change nothing, take no lock.")
    var check = false

    @Option(help: ArgumentHelp("Only these hosts or groups (repeatable, or comma-separated).", valueName: "host"))
    var limit: [String] = []

    @OptionGroup var shard: ShardOption

    @OptionGroup var lockWait: LockWaitOption

    @Option(
        help: ArgumentHelp(
            "Continue the stopped run ID (see rollout history) from its first unfinished step, after checking each host's record.",
            valueName: "id"))
    var resume: String?

    @Flag(help: "With --resume: go on despite a changed playbook, a step in flight at the stop, an odd record, or a live runner of the run itself.")
    var force = false

    func validate() throws {
        if force, resume == nil { throw ValidationError("--force only applies to --resume ID") }
        guard let resume else { return }
        if RunID(resume) == nil {
            throw ValidationError("--resume takes a run ID like 20261123T134501Z-3f9a (see rollout history), found '\(resume)'")
        }
        if check {
            throw ValidationError("--resume continues a run; it cannot be combined with --check (rollout plan shows what a new run would do)")
        }
        if !limit.isEmpty || shard.shard != nil {
            throw ValidationError("--resume continues the run on the hosts its record names; it takes no --limit or --shard")
        }
    }

    func run() async throws {
        try await Self.execute(
            selection: selection, output: output, check: check, limit: limit, shard: try shard.parsed(), lockWait: try lockWait.policy(),
            resume: resume.flatMap(RunID.init), force: force)
    }

    /// Shared with `rollout plan`, which is `run --check`.
    static func execute(
        selection: PlaybookSelection, output: RunOutputOptions, check: Bool, limit: [String], shard: HostShard? = nil,
        lockWait wait: LockWaitPolicy, resume: RunID? = nil, force: Bool = false
    ) async throws {
        let deployment = try selection.load()
        let limited = try deployment.hosts(limitedTo: limit)
        let hosts = shard?.hosts(of: limited) ?? limited
        if let shard, hosts.isEmpty {
            // A fixed CI matrix wider than the inventory: that job has nothing to do.
            print("rollout: shard \(shard) has no hosts (\(limited.count) host(s) split \(shard.count) ways); nothing to do")
            return
        }
        // One connection per host stays open for the whole run (and a second one to stop a batch
        // on Ctrl-C), besides what rollout itself opens.
        // A fleet whose connections cannot all be open at once is refused before the first one:
        // once the descriptors run out, the rest of the run (a timer, the locks' release) fails
        // with them, and the Swift runtime traps, leaving the hosts locked.
        if let limit = FileDescriptorLimit.raise(toAtLeast: 2 * hosts.count + 64), limit < hosts.count + 32 {
            FileHandle.standardError.write(
                Data(
                    ("rollout: \(hosts.count) hosts need a connection each at once, more than this process's limit of \(limit) open files (`ulimit -n`) allows; "
                        + "raise the limit (`ulimit -n 4096`) or run fewer hosts at once (`--shard K/N` or `--limit`); nothing was changed on any host\n")
                        .utf8))
            throw ExitCode(RolloutExitCode.connectionFailed.rawValue)
        }
        let masker = deployment.masker
        let runID = resume ?? RunID.generate()
        let interruption = Interruption(
            firstNotice:
                "rollout: interrupted — finishing the command in flight, then rolling back. Press Ctrl-C again to exit at once (exit 3, nothing rolled back).",
            recoveryNotice: {
                let run = " --run \(runID)"
                return """
                    rollout: stopped at once; the hosts may be half-deployed and are still locked by this run.
                      1. see what happened:  rollout history \(selection.playbook) -e \(selection.environment)
                      2. clear the lock:     rollout unlock \(selection.playbook) -e \(selection.environment) --force
                      3. undo the run:       rollout rollback \(selection.playbook) -e \(selection.environment)\(run)
                         or continue it:     rollout run \(selection.playbook) -e \(selection.environment) --resume \(runID)
                    """
            })
        interruption.install()
        let reporters = try output.reporters(masker: masker, outputClosed: interruption.outputClosed)
        let events = RunEvents(reporters)
        // On a terminal the live line shows the last line a running command printed.
        let console: ConsoleReporter? = reporters.compactMap { $0 as? ConsoleReporter }.first { $0.showsCommandOutput }
        let verbose: VerboseEcho? = output.verbose ? VerboseEcho(masker: masker) : nil
        var commandOutput: (@Sendable (String, OutputChunk) -> Void)?
        if verbose != nil || console != nil {
            commandOutput = { host, chunk in
                verbose?.write(host: host, chunk: chunk)
                console?.commandOutput(host: host, chunk: chunk)
            }
        }
        let connector = deployment.connector
        let runner = Runner(
            loaded: deployment.loaded, environment: deployment.environment, secrets: deployment.secrets,
            processEnvironment: deployment.processEnvironment,
            options: Runner.Options(
                playbookArgument: selection.playbook, limit: limit, shard: shard,
                runID: runID, check: check, lockWait: wait, overrides: deployment.overrides,
                localStore: LocalRunStore(directory: URL(fileURLWithPath: "."))),
            events: events,
            connect: { host in connector.transport(for: host) },
            interruption: interruption,
            output: commandOutput)
        let started = ContinuousClock.now
        let summary = await (resume != nil ? runner.resume(force: force) : runner.run())
        if !check { await notify(deployment: deployment, selection: selection, runID: runID, summary: summary, duration: .now - started) }
        if summary.exitCode != .success { throw ExitCode(summary.exitCode.rawValue) }
    }

    /// Tells the playbook's `notify:` webhooks how the run ended. A webhook that fails is a
    /// warning on stderr: the exit status is the deploy's, whatever the webhooks do.
    private static func notify(deployment: LoadedDeployment, selection: PlaybookSelection, runID: RunID, summary: RunSummary, duration: Duration)
        async
    {
        let playbook = deployment.loaded.playbook
        guard !playbook.notify.isEmpty, let outcome = NotifyTarget.Outcome(summary.exitCode) else { return }
        let notification = RunNotification(
            playbook: playbook.name, environment: selection.environment, runID: "\(runID)", outcome: outcome, summary: summary, duration: duration)
        let notifier = Notifier(targets: playbook.notify, secrets: deployment.secrets, masker: deployment.masker)
        for warning in await notifier.send(notification) {
            FileHandle.standardError.write(Data((warning + "\n").utf8))
        }
    }
}
