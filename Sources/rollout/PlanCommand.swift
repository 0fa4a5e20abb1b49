import ArgumentParser
import Foundation
import RolloutKit

/// `rollout plan PLAYBOOK -e ENV`: what a deploy would do, for a reviewer; changes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a run would do: hosts, steps, a masked .env diff. Changes nothing.",
        discussion: """
            Without --offline this is `rollout run --check`: rollout connects to every host, reads \
            its current state (for example the .env a set_env step would edit, shown as a diff with \
            secrets as ***) and changes nothing; it takes no lock.

            --offline reads only local files: the playbook, its inventory, includes and check \
            suites. It reads no secret (nothing needs to be exported, no password manager is \
            asked): each appears as <secret NAME>. Values known only during the run appear as \
            <name.field>. Each step shows what it affects (the host, a provider's API, or a \
            payment notification that books a test payment) and how it is undone on rollback.

            Examples:
              rollout plan deploy.yml -e production
              rollout plan deploy.yml -e staging --offline --var ref=v2.3.1

            Exit status: 0 the plan was made · 1 a step would fail (the plan says which and why) · \
            2 the playbook or the arguments have errors · 5 a host could not be reached · \
            130 interrupted.
            """
    )

    @OptionGroup var selection: PlaybookSelection
    @OptionGroup var output: RunOutputOptions

    @Flag(help: "Do not connect to the hosts; show the options as the playbook resolves them.")
    var offline = false

    @Option(help: ArgumentHelp("Only these hosts or groups (repeatable, or comma-separated).", valueName: "host"))
    var limit: [String] = []

    func validate() throws {
        // Both report what each step did on each host; an offline plan runs nothing anywhere.
        if offline, output.json != nil || output.junit != nil {
            throw ValidationError(
                "--json and --junit report the steps a plan checked on the hosts; --offline contacts no host, so there is nothing to write: drop --offline or those options"
            )
        }
    }

    func run() async throws {
        guard offline else {
            try await RunCommand.execute(selection: selection, output: output, check: true, limit: limit, lockWait: .noWait)
            return
        }
        let deployment = try selection.load(readSecrets: false)
        var environment = deployment.environment
        environment.hosts = try deployment.hosts(limitedTo: limit)
        let text = PlanText(
            loaded: deployment.loaded, environment: environment, secrets: deployment.secrets,
            overrides: deployment.overrides, processEnvironment: deployment.processEnvironment
        ).render()
        print(text, terminator: "")
    }
}
