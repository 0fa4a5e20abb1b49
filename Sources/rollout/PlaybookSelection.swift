import ArgumentParser
import Foundation
import RolloutKit

/// The playbook, environment and variable overrides that `run`, `plan`, `history` and
/// `unlock` share.
struct PlaybookSelection: ParsableArguments {
    @Argument(help: "The playbook file, e.g. playbooks/youarecoder/deploy.yml.")
    var playbook: String

    @Option(name: .customShort("e"), help: ArgumentHelp("Environment of the inventory, e.g. -e staging.", valueName: "environment"))
    var environment: String

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Override a variable, e.g. --var ref=v2.3.1 (repeatable; wins over every other definition).", valueName: "name=value"))
    var vars: [String] = []

    /// `--var` pairs as a dictionary.
    func overrides() throws -> [String: String] {
        try Self.overrides(vars)
    }

    /// `name=value` pairs (as `--var` takes them) as a dictionary; shared with `rollout verify`.
    static func overrides(_ pairs: [String]) throws -> [String: String] {
        var overrides: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--var takes name=value, found '\(pair)'")
            }
            overrides[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return overrides
    }

    /// The playbook loaded and checked for the environment, its secrets resolved. Prints every
    /// problem with its file:line:column and exits 2 when there is an error.
    /// `readSecrets` false (`plan --offline`): no secret is read, so none needs to be exported
    /// and no password manager is asked; the plan shows `<secret NAME>` for each. Nothing
    /// connects then either, so the SSH key need not be on this machine.
    func load(readSecrets: Bool = true) throws -> LoadedDeployment {
        let overrides = try overrides()
        let resolver = SecretResolver()
        let result = PlaybookLoader(
            environmentName: environment, overrides: overrides, resolveSecrets: readSecrets, connects: readSecrets, resolver: resolver
        )
        .load(URL(fileURLWithPath: playbook), name: playbook)
        if !result.diagnostics.all.isEmpty {
            FileHandle.standardError.write(Data((result.diagnostics.rendered() + "\n").utf8))
        }
        guard !result.diagnostics.hasErrors, let loaded = result.loaded, let inventory = loaded.inventory,
            let environment = inventory.environment(environment)
        else { throw ExitCode(RolloutExitCode.invalidInput.rawValue) }
        do {
            try loaded.checkOverrides(overrides.keys)
        } catch {
            throw ValidationError(error.description)
        }
        let baseDirectory = (loaded.playbook.inventoryURL ?? loaded.playbook.url).deletingLastPathComponent()
        let connector = HostConnector(
            settings: inventory.ssh, baseDirectory: baseDirectory,
            defaultUser: resolver.environment["USER"] ?? "root")
        return LoadedDeployment(
            loaded: loaded, environment: environment, secrets: result.secrets, overrides: overrides,
            processEnvironment: resolver.environment, connector: connector)
    }
}

extension LoadedDeployment {
    /// The hosts `--limit` keeps; an unknown name is invalid input (exit 2), with a suggestion.
    func hosts(limitedTo limit: [String]) throws -> [RolloutKit.Host] {
        do {
            return try environment.hosts(limitedTo: limit)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// A playbook ready to run against one environment.
struct LoadedDeployment {
    var loaded: LoadedPlaybook
    var environment: Inventory.Environment
    var secrets: [String: Secret]
    var overrides: [String: String]
    var processEnvironment: [String: String]
    var connector: HostConnector

    var masker: SecretMasker { SecretMasker(secrets: SecretResolver.valuesToMask(secrets)) }
}
