import ArgumentParser
import Foundation
import RolloutKit

/// `rollout rollback PLAYBOOK -e ENV`: undoes the last run with changes still in place, from
/// the hosts' records.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Undo the last run with changes in place (or --run ID), from the record each host keeps.",
        discussion: """
            Works from any machine: each host's run journal says what the run changed and where \
            the previous versions were kept. Rollout takes the deploy lock, copies what is there \
            now next to the backups (so the rollback loses nothing either), restores the changes \
            newest first, runs the playbook's rollback: steps, and marks the run as rolled back. \
            It shows, per step, what it puts back and what it throws away, and asks first; \
            --yes skips the question (needed without a terminal). Before it replaces a database \
            from a dump it checks, per table, whether the database received writes since the \
            deploy (a payment, say): if it did, it names the tables and counts and changes \
            nothing anywhere (exit 3); --force restores anyway, after a safety dump of what it \
            replaces. With --run naming an older run, it says which newer runs' changes are \
            still in place on top of it; a run whose changes were undone already is not undone \
            again. Once restoring, a Ctrl-C, SIGTERM or closed output pipe does not stop it \
            half-way (that would leave the hosts between two versions): it goes on to its end; \
            a second Ctrl-C stops it at once (exit 3) and says how to finish.

            Examples:
              rollout rollback playbooks/youarecoder/deploy.yml -e production
              rollout rollback deploy.yml -e production --run 20261123T134501Z-3f9a --yes

            Exit status: 0 restored · 2 invalid input or nothing confirmed · 3 some change could \
            not be restored, or a database received writes since the deploy and nothing was \
            changed (the output says which) · 4 deploy lock held · 5 could not connect.
            """
    )

    @OptionGroup var selection: PlaybookSelection
    @OptionGroup var output: RunOutputOptions

    @Option(
        name: .customLong("run"),
        help: ArgumentHelp("The run to undo (see rollout history); default: each host's last run with changes still in place.", valueName: "id"))
    var runID: String?

    @Option(help: ArgumentHelp("Only these hosts or groups (repeatable, or comma-separated).", valueName: "host"))
    var limit: [String] = []

    @Flag(help: "Do not ask before restoring.")
    var yes = false

    @Flag(
        help: ArgumentHelp(
            "Restore a database even when it received writes since the deploy (a safety dump of it is kept first)."))
    var force = false

    @OptionGroup var lockWait: LockWaitOption

    func run() async throws {
        var target: RunID?
        if let runID {
            guard let id = RunID(runID) else { throw ValidationError("--run takes a run ID like 20261123T134501Z-3f9a, found '\(runID)'") }
            target = id
        }
        let deployment = try selection.load()
        _ = try deployment.hosts(limitedTo: limit)
        let events = RunEvents(try output.reporters(masker: deployment.masker))
        let connector = deployment.connector
        let runner = Runner(
            loaded: deployment.loaded, environment: deployment.environment, secrets: deployment.secrets,
            processEnvironment: deployment.processEnvironment,
            options: Runner.Options(
                playbookArgument: selection.playbook, limit: limit, lockWait: try lockWait.policy(), overrides: deployment.overrides),
            events: events, connect: { host in connector.transport(for: host) })
        let rollback = RollbackRun(runner: runner, runID: target, force: force)
        let plans: [RollbackRun.HostPlan]
        do {
            plans = try await rollback.plan()
        } catch {
            FileHandle.standardError.write(Data("rollout rollback: \(error)\n".utf8))
            throw ExitCode(RolloutExitCode.connectionFailed.rawValue)
        }
        var anything = false
        for plan in plans {
            guard let record = plan.target, !plan.steps.isEmpty else {
                let reason =
                    switch (target, plan.alreadyUndone) {
                    case (let id?, let undone?): "run \(id) \(undone)"
                    case (let id?, nil): "no run \(id) with changes"
                    case (nil, _): "no run with changes still in place"
                    }
                print("\(plan.host.name): nothing to undo (\(reason))")
                continue
            }
            anything = true
            print("\(plan.host.name): undo run \(record.runID) by \(record.user), \(record.status.rawValue):")
            for step in plan.steps {
                let preview = rollback.preview(of: step)
                print("  \(step.index + 1). \(step.name)  [\(step.kind)]")
                print("       puts back:   \(preview.putsBack)")
                if let throwsAway = preview.throwsAway { print("       throws away: \(throwsAway)") }
            }
            for newer in plan.newerRuns {
                print(
                    "  newer run \(newer.runID) by \(newer.user), \(newer.status.rawValue), is still in place: undoing \(record.runID) puts back what was there before it, so what \(newer.runID) changed in the same files, working copies and databases goes too (undo \(newer.runID) first to keep the order)"
                )
            }
            for problem in plan.problems { print("  cannot undo: \(problem)") }
            for source in plan.missingSources { print("  gone: \(source)") }
            for objection in plan.objections { print("  refused: \(objection)") }
        }
        guard anything else { return }
        // With an undo source gone, or a database that received writes, nothing is restored,
        // so there is nothing to confirm.
        if !yes && !plans.contains(where: { !$0.missingSources.isEmpty || !$0.objections.isEmpty }) {
            guard isatty(0) == 1 else {
                FileHandle.standardError.write(Data("rollout rollback: add --yes to restore without a terminal to confirm on\n".utf8))
                throw ExitCode(RolloutExitCode.invalidInput.rawValue)
            }
            print("Restore these? [y/N] ", terminator: "")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("Nothing restored.")
                throw ExitCode(RolloutExitCode.invalidInput.rawValue)
            }
        }
        // A rollback stopped half-way leaves the hosts between two versions: a signal or a
        // closed output pipe lets it finish; only a second signal stops it at once.
        let again = "rollout rollback \(selection.playbook) -e \(selection.environment)" + (target.map { " --run \($0)" } ?? "")
        let interruption = Interruption(
            firstNotice:
                "rollout rollback: interrupted — the rollback goes on to its end, since stopping half-way would leave the hosts between two versions. Press Ctrl-C again to exit at once (exit 3, rollback incomplete).",
            recoveryNotice: {
                """
                rollout rollback: stopped at once; the hosts may be half-restored and are still locked by this rollback.
                  1. see what happened:    rollout history \(selection.playbook) -e \(selection.environment)
                  2. clear the lock:       rollout unlock \(selection.playbook) -e \(selection.environment) --force
                  3. finish the rollback:  \(again)
                """
            })
        interruption.install()
        let summary = await rollback.run(plans)
        withExtendedLifetime(interruption) {}
        if summary.exitCode != .success { throw ExitCode(summary.exitCode.rawValue) }
    }
}
