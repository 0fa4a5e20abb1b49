public import Foundation

/// Reads an inventory file into an `Inventory`, reporting every problem.
public enum InventoryLoader {
    public static let hostOptions: [OptionSpec] = [
        OptionSpec("address", .text, required: true, "Host name or IP address; local for this machine."),
        OptionSpec("port", .number, "SSH port. Default 22."),
        OptionSpec("user", .text, "Login user."),
        OptionSpec("transport", .choice(Host.TransportKind.allCases.map(\.rawValue)), "How rollout reaches the host."),
        OptionSpec("groups", .texts, "Groups the host belongs to."),
        OptionSpec("vars", .namedMap(.anything), "The host's own variables."),
    ]
    public static let groupOptions: [OptionSpec] = [
        OptionSpec("vars", .namedMap(.anything), "Variables of the group's hosts.")
    ]
    public static let environmentOptions: [OptionSpec] = [
        OptionSpec("vars", .namedMap(.anything), "Variables of the environment."),
        OptionSpec("groups", .namedMap(.mapping(groupOptions)), "Group variables."),
        OptionSpec("hosts", .namedMap(.mapping(hostOptions)), "The hosts, by name."),
    ]
    public static let sshOptions: [OptionSpec] = [
        OptionSpec("identity", .text, "Private key file."),
        OptionSpec("identity_passphrase_env", .text, "Environment variable holding the key's passphrase."),
        OptionSpec("known_hosts", .text, "known_hosts file."),
        OptionSpec("host_key_checking", .choice(["strict", "accept-new"]), "strict (default) or accept-new; never off."),
        OptionSpec("connect_timeout", .duration, "How long a connection may take."),
    ]
    public static let topOptions: [OptionSpec] = [
        OptionSpec("environments", .namedMap(.mapping(environmentOptions)), required: true, "The environments (production, staging ...), by name."),
        OptionSpec("ssh", .mapping(sshOptions), "SSH settings for every host."),
    ]
    static let topKeys = topOptions.names
    static let environmentKeys = environmentOptions.names
    static let hostKeys = hostOptions.names
    static let sshKeys = sshOptions.names

    /// Loads the inventory at `url`; `name` is how messages name the file.
    public static func load(_ url: URL, name: String, sink: DiagnosticSink, from origin: FileLocation? = nil) -> Inventory? {
        guard let root = YAMLDocument.load(url, name: name, into: &sink.diagnostics, from: origin) else { return nil }
        return decode(root, file: name, sink: sink)
    }

    /// Decodes an already parsed inventory.
    static func decode(_ root: YAMLNode, file: String, sink: DiagnosticSink) -> Inventory? {
        let reader = OptionReader(root, context: "the inventory", allowed: topKeys, sink: sink)
        var environments: [Inventory.Environment] = []
        if let node = reader.node("environments", required: true) {
            if let entries = node.entries {
                if entries.isEmpty { sink.error("'environments' is empty; add at least one environment with hosts", at: node.location) }
                for entry in entries {
                    guard let name = reader.scalarText(entry.key, key: "environments") else { continue }
                    environments.append(environment(name, entry.value, keyLocation: entry.key.location, sink: sink))
                }
            } else {
                sink.error("'environments' must map environment names to their hosts, found \(node.kindDescription)", at: node.location)
            }
        }
        let ssh = reader.mapping("ssh", context: "'ssh'", allowed: sshKeys).map { sshSettings($0) } ?? SSHSettings()
        reader.finish()
        return Inventory(environments: environments, ssh: ssh, file: file)
    }

    private static func environment(_ name: String, _ node: YAMLNode, keyLocation: FileLocation, sink: DiagnosticSink) -> Inventory.Environment {
        let reader = OptionReader(node, context: "environment '\(name)'", allowed: environmentKeys, sink: sink)
        let vars = variables(reader, "vars")
        var groups: [String: Inventory.Group] = [:]
        if let groupsNode = reader.node("groups") {
            if let entries = groupsNode.entries {
                for entry in entries {
                    guard let groupName = reader.scalarText(entry.key, key: "groups") else { continue }
                    let groupReader = OptionReader(entry.value, context: "group '\(groupName)'", allowed: groupOptions.names, sink: sink)
                    groups[groupName] = Inventory.Group(name: groupName, vars: variables(groupReader, "vars"), location: entry.key.location)
                    groupReader.finish()
                }
            } else {
                sink.error("'groups' must map group names to their vars, found \(groupsNode.kindDescription)", at: groupsNode.location)
            }
        }
        var hosts: [Host] = []
        let hostsNode = reader.node("hosts")
        if let hostsNode, let entries = hostsNode.entries {
            for entry in entries {
                guard let hostName = reader.scalarText(entry.key, key: "hosts") else { continue }
                if let host = host(hostName, entry.value, keyLocation: entry.key.location, sink: sink) { hosts.append(host) }
            }
        } else if let hostsNode, !hostsNode.isNull {
            sink.error("'hosts' must map host names to their settings, found \(hostsNode.kindDescription)", at: hostsNode.location)
        }
        if hosts.isEmpty, hostsNode == nil || hostsNode?.isNull == true || hostsNode?.entries != nil {
            sink.error("environment '\(name)' has no hosts; add them under 'hosts:'", at: keyLocation)
        }
        reader.finish()
        return Inventory.Environment(name: name, vars: vars, groups: groups, hosts: hosts, location: keyLocation)
    }

    private static func host(_ name: String, _ node: YAMLNode, keyLocation: FileLocation, sink: DiagnosticSink) -> Host? {
        let reader = OptionReader(node, context: "host '\(name)'", allowed: hostKeys, sink: sink)
        defer { reader.finish() }
        let address = reader.string("address", required: true)
        var transport = Host.TransportKind.ssh
        if let kind = reader.choice("transport", Host.TransportKind.allCases.map(\.rawValue)) {
            transport = Host.TransportKind(rawValue: kind) ?? .ssh
        } else if address == "local" {
            transport = .local
        }
        if address == "local", transport != .local {
            reader.error(
                "host '\(name)' has address 'local' (this machine) but transport '\(transport.rawValue)'; remove 'transport' or give a real address",
                at: "transport")
        }
        let port = reader.int("port", in: 1...65535) ?? 22
        let user = reader.string("user")
        let groups = reader.strings("groups") ?? []
        let vars = variables(reader, "vars")
        for name in groups where Scope.reservedNames.contains(name) {
            reader.error("'\(name)' is reserved and cannot name a group", at: "groups")
        }
        guard let address else { return nil }
        return Host(name: name, address: address, port: port, user: user, transport: transport, groups: groups, vars: vars, location: keyLocation)
    }

    private static func sshSettings(_ reader: OptionReader) -> SSHSettings {
        var settings = SSHSettings()
        settings.identity = reader.string("identity")
        if settings.identity != nil { settings.identityLocation = reader.keyLocation("identity") }
        settings.identityPassphraseEnv = reader.string("identity_passphrase_env")
        if let knownHosts = reader.string("known_hosts") { settings.knownHosts = knownHosts }
        if let node = reader.node("host_key_checking"), let text = reader.scalarText(node, key: "host_key_checking") {
            if let checking = SSHSettings.HostKeyChecking(rawValue: text) {
                settings.hostKeyChecking = checking
            } else if ["off", "no", "false", "none"].contains(text.lowercased()) {
                reader.sink.error(
                    "host_key_checking cannot be turned off: anyone on the network could then pose as the host and receive your secrets; use 'accept-new' to trust a new host's key on first contact",
                    at: node.location)
            } else {
                reader.sink.error(
                    "'host_key_checking' must be strict or accept-new, found '\(text)'", at: node.location,
                    suggestion: NameSuggestion.closest(to: text, in: SSHSettings.HostKeyChecking.allCases.map(\.rawValue)))
            }
        }
        if let timeout = reader.duration("connect_timeout", positive: true) { settings.connectTimeout = timeout }
        return settings
    }

    /// A `vars:` mapping, checking that no variable takes a reserved name.
    static func variables(_ reader: OptionReader, _ key: String) -> [TemplateEntry] {
        guard let node = reader.node(key) else { return [] }
        guard let entries = node.entries else {
            if !node.isNull { reader.sink.error("'\(key)' must be a mapping of 'name: value', found \(node.kindDescription)", at: node.location) }
            return []
        }
        var result: [TemplateEntry] = []
        for entry in entries {
            guard let name = reader.scalarText(entry.key, key: key) else { continue }
            if Scope.reservedNames.contains(name) {
                reader.sink.error("'\(name)' is reserved (it names {{ \(name).… }}) and cannot be a variable", at: entry.key.location)
                continue
            }
            result.append(TemplateEntry(key: name, value: reader.templateTree(entry.value)))
        }
        return result
    }
}
