import ArgumentParser
import Foundation
import RolloutKit

/// `rollout plan PLAYBOOK -e ENV --offline`: what a deploy will do, for a reviewer.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the hosts and resolved options of every step, secrets masked.",
        discussion: """
            --offline reads only local files: the playbook, its inventory, includes, check suites \
            and secrets (which must be readable, and are shown as ***). Values known only during \
            the run appear as <name.field>. Exit status 2 when the playbook has errors.
            """
    )

    @Argument(help: "The playbook file.")
    var playbook: String

    @Option(name: .customShort("e"), help: "Environment of the inventory to plan for.")
    var environment: String

    @Flag(help: "Do not connect to the hosts.")
    var offline = false

    @Option(name: .customLong("var"), help: "Override a variable: --var name=value (repeatable).")
    var vars: [String] = []

    func run() throws {
        guard offline else {
            FileHandle.standardError.write(Data("rollout plan: only --offline is available in this version; add --offline to see the plan without connecting\n".utf8))
            throw ExitCode(2)
        }
        var overrides: [String: String] = [:]
        for pair in vars {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--var takes name=value, found '\(pair)'")
            }
            overrides[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let resolver = SecretResolver()
        let result = PlaybookLoader(environmentName: environment, overrides: overrides, resolver: resolver)
            .load(URL(fileURLWithPath: playbook), name: playbook)
        if !result.diagnostics.all.isEmpty {
            FileHandle.standardError.write(Data((result.diagnostics.rendered() + "\n").utf8))
        }
        guard !result.diagnostics.hasErrors, let loaded = result.loaded,
              let env = loaded.inventory?.environment(environment)
        else { throw ExitCode(2) }
        let text = PlanText(loaded: loaded, environment: env, secrets: result.secrets, overrides: overrides,
                            processEnvironment: resolver.environment).render()
        print(text, terminator: "")
    }
}
