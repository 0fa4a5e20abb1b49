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
            It shows what it will restore and asks first; --yes skips the question (needed \
            without a terminal).

            Examples:
              rollout rollback playbooks/youarecoder/deploy.yml -e production
              rollout rollback deploy.yml -e production --run 20261123T134501Z-3f9a --yes

            Exit status: 0 restored · 2 invalid input or nothing confirmed · 3 some change could \
            not be restored (the output says which) · 4 deploy lock held · 5 could not connect.
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
        let rollback = RollbackRun(runner: runner, runID: target)
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
                print(
                    "\(plan.host.name): nothing to undo" + (target.map { " (no run \($0) with changes)" } ?? " (no run with changes still in place)"))
                continue
            }
            anything = true
            print("\(plan.host.name): undo run \(record.runID) by \(record.user), \(record.status.rawValue):")
            for step in plan.steps {
                print(
                    "  \(step.index + 1). \(step.name)  [\(step.kind)] ← \(step.undo["backup"] ?? (step.undo["absent"] == "1" ? "remove (it did not exist)" : "recorded state"))"
                )
            }
            for problem in plan.problems { print("  cannot undo: \(problem)") }
            for source in plan.missingSources { print("  gone: \(source)") }
        }
        guard anything else { return }
        // With an undo source gone nothing is restored, so there is nothing to confirm.
        if !yes && !plans.contains(where: { !$0.missingSources.isEmpty }) {
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
        let summary = await rollback.run(plans)
        if summary.exitCode != .success { throw ExitCode(summary.exitCode.rawValue) }
    }
}
