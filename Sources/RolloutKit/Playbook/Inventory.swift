/// The machines a playbook deploys to, per environment, and how to reach them.
public struct Inventory: Sendable {
    /// One environment (`production`, `sandbox`): its hosts, groups and variables.
    public struct Environment: Sendable {
        public var name: String
        public var vars: [TemplateEntry]
        /// Groups declared with variables; groups named only by hosts have none.
        public var groups: [String: Group]
        public var hosts: [Host]
        public var location: FileLocation

        public init(name: String, vars: [TemplateEntry] = [], groups: [String: Group] = [:], hosts: [Host], location: FileLocation) {
            self.name = name
            self.vars = vars
            self.groups = groups
            self.hosts = hosts
            self.location = location
        }

        /// Every group name used in the environment, declared or named by a host.
        public var groupNames: Set<String> {
            Set(groups.keys).union(hosts.flatMap(\.groups))
        }

        /// The hosts `selector` names: a host name or a group name.
        public func hosts(matching selector: String) -> [Host] {
            if let host = hosts.first(where: { $0.name == selector }) { return [host] }
            return hosts.filter { $0.groups.contains(selector) }
        }
    }

    /// A group's variables.
    public struct Group: Sendable {
        public var name: String
        public var vars: [TemplateEntry]
        public var location: FileLocation

        public init(name: String, vars: [TemplateEntry], location: FileLocation) {
            self.name = name
            self.vars = vars
            self.location = location
        }
    }

    /// Environments in written order.
    public var environments: [Environment]
    public var ssh: SSHSettings
    /// The inventory file as messages name it.
    public var file: String

    public init(environments: [Environment], ssh: SSHSettings = SSHSettings(), file: String) {
        self.environments = environments
        self.ssh = ssh
        self.file = file
    }

    /// The environment called `name`.
    public func environment(_ name: String) -> Environment? {
        environments.first { $0.name == name }
    }
}
