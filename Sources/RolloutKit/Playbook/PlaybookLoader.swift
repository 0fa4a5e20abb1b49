import Crypto
public import Foundation

/// Loads a playbook, its includes, its inventory and its check suites, and checks everything
/// that can be checked without connecting: every problem ends up in one `Diagnostics`.
public struct PlaybookLoader: Sendable {
    public static let topOptions: [OptionSpec] = [
        OptionSpec(
            "name", .text, required: true,
            "The deployment's name; names the state directory and the run records. Letters, digits, -, _ and ., not starting with a dot."),
        OptionSpec("inventory", .text, required: true, "The inventory file, relative to the playbook file."),
        OptionSpec("vars", .namedMap(.anything), "Variables for {{ }}."),
        OptionSpec("secrets", .namedMap(.mapping(SecretDeclaration.options)), "Secrets, each { env: NAME }, { file: PATH } or { command: \"…\" }."),
        OptionSpec("steps", .steps, required: true, "The steps, in order; - include: FILE inserts the steps of another file."),
        OptionSpec("rollback", .steps, "Steps run when a deploy fails: after the automatic undo, or before it with before_undo: true."),
        OptionSpec("always", .steps, "Steps run at the end of every run, after success and after a rollback (cleanup)."),
        OptionSpec("state_dir", .text, "Where each host keeps the lock, run records and backups."),
        OptionSpec("forks", .number, "Hosts worked on in parallel, 1-1000. Default 50."),
        OptionSpec("serial", .either([.number, .text]), "Rolling batches: a host count or a share (25%)."),
        OptionSpec("max_fail_percentage", .number, "Stop when more than this share of a batch failed, 0-100."),
        OptionSpec(
            "callback_defaults", .mapping(CallbackDefaults.options), "What the playbook's Stripe callback steps send unless they say otherwise."),
        OptionSpec("notify", .list(.mapping(NotifyTarget.options)), "Webhooks told how each run ended (success, failure, rollback)."),
    ]
    static let topKeys = topOptions.names

    /// The environment (`-e`) to check the playbook against; nil checks every environment of
    /// the inventory.
    public var environmentName: String?
    /// `--var name=value` overrides.
    public var overrides: [String: String]
    /// Read the secrets (needed to run or plan). When false they are only declared.
    public var resolveSecrets: Bool
    /// Problems that depend on this machine (unset secrets and environment variables) are
    /// warnings: `rollout lint` may run where the secrets are not.
    public var lenientAboutMachine: Bool
    /// Environment and home directory of the machine running rollout.
    public var resolver: SecretResolver
    /// The step kinds a playbook may use.
    public var kinds: [any RunnableStep.Type]
    /// The load is for a command that connects to the hosts (run, plan, rollback, history,
    /// unlock): the SSH key the inventory names must then be on this machine. `rollout lint`
    /// does not ask, as it may run in CI where the key is not.
    public var connects: Bool

    public init(
        environmentName: String? = nil, overrides: [String: String] = [:], resolveSecrets: Bool = true,
        lenientAboutMachine: Bool = false, connects: Bool = false, resolver: SecretResolver = SecretResolver(),
        kinds: [any RunnableStep.Type] = StepRegistry.kinds
    ) {
        self.kinds = kinds
        self.connects = connects
        self.environmentName = environmentName
        self.overrides = overrides
        self.resolveSecrets = resolveSecrets
        self.lenientAboutMachine = lenientAboutMachine
        self.resolver = resolver
    }

    /// What a load produced: the playbook (nil when it could not be read at all), the secrets
    /// read, and every problem found.
    public struct Result: Sendable {
        public var loaded: LoadedPlaybook?
        public var secrets: [String: Secret]
        public var diagnostics: Diagnostics
    }

    /// Loads the playbook at `url`; `name` is how messages name the file (default: the path
    /// as given).
    public func load(_ url: URL, name: String? = nil) -> Result {
        let sink = DiagnosticSink(machineDependentSeverity: lenientAboutMachine ? .warning : .error)
        let name = name ?? url.relativePath
        guard let root = YAMLDocument.load(url, name: name, into: &sink.diagnostics) else {
            return Result(loaded: nil, secrets: [:], diagnostics: sink.diagnostics)
        }
        let loaded = decode(root, url: url, file: name, sink: sink)
        var secrets: [String: Secret] = [:]
        if let loaded {
            if resolveSecrets {
                secrets = resolver.resolve(loaded.playbook.secrets, into: &sink.diagnostics, severity: sink.machineDependentSeverity)
            }
            PlaybookChecker(
                loaded: loaded, environmentName: environmentName, overrides: overrides, processEnvironment: resolver.environment, sink: sink
            ).check()
            if connects, let inventory = loaded.inventory, let inventoryURL = loaded.playbook.inventoryURL {
                inventory.checkIdentityFile(
                    for: environmentName, from: inventoryURL.deletingLastPathComponent(), resolver: resolver, sink: sink)
            }
        }
        return Result(loaded: loaded, secrets: secrets, diagnostics: sink.diagnostics)
    }

    func decode(_ root: YAMLNode, url: URL, file: String, sink: DiagnosticSink) -> LoadedPlaybook? {
        guard root.entries != nil else {
            sink.error("a playbook must be a mapping with 'name', 'inventory' and 'steps', found \(root.kindDescription)", at: root.location)
            return nil
        }
        let reader = OptionReader(root, context: "the playbook", allowed: Self.topKeys, sink: sink)
        let directory = url.deletingLastPathComponent()
        var name = url.deletingPathExtension().lastPathComponent
        if let node = reader.node("name", required: true), let text = reader.scalarText(node, key: "name") {
            name = text
            if !DeploymentName.isValid(text) {
                sink.error(
                    "'name' names the state directory on each host (~/.rollout/NAME), so it may only have \(DeploymentName.rule); found '\(text)'",
                    at: node.location)
            }
        }

        var inventory: Inventory?
        var inventoryURL: URL?
        if let path = reader.string("inventory", required: true) {
            let context = StepDecodingContext(directory: directory, location: reader.location)
            inventoryURL = context.url(of: path)
            inventory = InventoryLoader.load(inventoryURL!, name: context.displayName(of: path), sink: sink, from: reader.keyLocation("inventory"))
        }

        let vars = InventoryLoader.variables(reader, "vars")
        let secrets = SecretDeclaration.read(from: reader)
        let callbackDefaults = CallbackDefaults.read(reader)

        var expanded: [String: [YAMLNode]] = [:]
        var definitions: [String: [StepDefinition]] = [:]
        for key in ["steps", "rollback", "always"] {
            guard let node = reader.node(key, required: key == "steps") else { continue }
            guard let items = node.items else {
                sink.error("'\(key)' must be a list of steps, found \(node.kindDescription)", at: node.location)
                continue
            }
            if key == "steps", items.isEmpty { sink.error("'steps' is empty; add at least one step", at: node.location) }
            var includesLeft = Self.maxIncludes
            let nodes = expandIncludes(
                items, directory: directory, file: file, url: url, chain: [url.standardizedFileURL.path],
                includesLeft: &includesLeft, sink: sink)
            expanded[key] = nodes.map(\.node)
            definitions[key] = nodes.compactMap {
                StepDecoder(sink: sink, directory: $0.directory, kinds: kinds, callbackDefaults: callbackDefaults).decode($0.node)
            }
            if key != "rollback" {
                for definition in definitions[key] ?? [] where definition.beforeUndo {
                    sink.error("'before_undo' applies to rollback: steps only; this step is in '\(key)'", at: definition.location)
                }
            }
        }

        let stateDir = reader.template("state_dir") ?? Template(literal: "~/.rollout/\(name)")
        let forks = reader.int("forks", in: 1...1000) ?? Playbook.defaultForks
        var serial: Playbook.Serial?
        if let node = reader.node("serial"), let text = reader.scalarText(node, key: "serial") {
            if text.hasSuffix("%"), let percent = Int(text.dropLast()), (1...100).contains(percent) {
                serial = .percent(percent)
            } else if let count = Int(text), count >= 1 {
                serial = .count(count)
            } else {
                sink.error("'serial' must be a host count like 2 or a share like 25%, found '\(text)'", at: node.location)
            }
        }
        let maxFail = reader.int("max_fail_percentage", in: 0...100) ?? 0
        let notify = NotifyTarget.read(reader, secrets: secrets)
        reader.finish()

        let playbook = Playbook(
            name: name, file: file, url: url, inventoryURL: inventoryURL, vars: vars, secrets: secrets,
            steps: definitions["steps"] ?? [], rollback: definitions["rollback"] ?? [], always: definitions["always"] ?? [], stateDir: stateDir,
            forks: forks, serial: serial, maxFailPercentage: maxFail, notify: notify,
            contentHash: Self.hash(root, expanded: expanded),
            stepHashes: (expanded["steps"] ?? []).map(Self.stepHash))
        return LoadedPlaybook(playbook: playbook, inventory: inventory)
    }

    /// A step node and the directory its relative paths start from.
    private struct LocatedStep {
        var node: YAMLNode
        var directory: URL
    }

    /// Most includes one list of steps may read, counting every level: without a bound, ten
    /// files each including the next ten times make ten billion steps.
    static let maxIncludes = 1000

    /// Replaces each `- include: file` by the steps of that file (a list of steps, or a
    /// mapping with `steps:`), recursively, refusing cycles and more than `maxIncludes` reads.
    private func expandIncludes(
        _ items: [YAMLNode], directory: URL, file: String, url: URL, chain: [String], includesLeft: inout Int, sink: DiagnosticSink
    ) -> [LocatedStep] {
        var result: [LocatedStep] = []
        for item in items {
            guard let includeNode = item["include"] else {
                result.append(LocatedStep(node: item, directory: directory))
                continue
            }
            let includeReader = OptionReader(item, context: "an include", allowed: ["include"], sink: sink)
            guard let path = includeReader.string("include") else { continue }
            includeReader.finish()
            let context = StepDecodingContext(directory: directory, location: item.location)
            let target = context.url(of: path)
            let display = context.displayName(of: path)
            if let index = chain.firstIndex(of: target.standardizedFileURL.path) {
                let names = (chain[index...] + [target.standardizedFileURL.path]).map { URL(fileURLWithPath: $0).lastPathComponent }
                sink.error("include cycle: \(names.joined(separator: " → ")); an included file cannot include itself again", at: includeNode.location)
                continue
            }
            guard includesLeft > 0 else {
                sink.error(
                    "more than \(Self.maxIncludes) includes in all; rollout reads at most \(Self.maxIncludes) (do the included files include each other many times?)",
                    at: includeNode.location)
                return result
            }
            includesLeft -= 1
            guard let root = YAMLDocument.load(target, name: display, into: &sink.diagnostics, from: includeNode.location) else { continue }
            var steps: [YAMLNode]
            if let list = root.items {
                steps = list
            } else if root.entries != nil {
                let reader = OptionReader(root, context: "the included file", allowed: ["steps"], sink: sink)
                steps = reader.node("steps", required: true)?.items ?? []
                reader.finish()
            } else {
                sink.error("an included file must be a list of steps, found \(root.kindDescription)", at: root.location)
                continue
            }
            result += expandIncludes(
                steps, directory: target.deletingLastPathComponent(), file: display, url: target,
                chain: chain + [target.standardizedFileURL.path], includesLeft: &includesLeft, sink: sink)
        }
        return result
    }

    /// SHA-256 of one step's parsed content, first 16 hex digits: enough to tell a changed step,
    /// short enough to keep one per step in every run header.
    static func stepHash(_ node: YAMLNode) -> String {
        String(SHA256.hash(data: Data(node.canonical.utf8)).map { String(format: "%02x", $0) }.joined().prefix(16))
    }

    /// SHA-256 over the playbook's parsed content with includes expanded.
    static func hash(_ root: YAMLNode, expanded: [String: [YAMLNode]]) -> String {
        var text = ""
        for entry in root.entries ?? [] {
            let key = entry.key.scalar ?? ""
            text += entry.key.canonical + "="
            if let steps = expanded[key] {
                text += "[" + steps.map(\.canonical).joined(separator: ",") + "]"
            } else {
                text += entry.value.canonical
            }
            text += ";"
        }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
