/// One machine of an inventory environment.
public struct Host: Sendable, Hashable {
    /// How rollout reaches a host.
    public enum TransportKind: String, Sendable, Hashable, CaseIterable {
        /// libssh2, in process (the default).
        case ssh
        /// The system `ssh` binary, for setups only OpenSSH handles (ProxyJump, certificates).
        case openssh
        /// This machine, without SSH.
        case local
    }

    /// The host's name in the inventory (`app1`).
    public var name: String
    /// DNS name or IP address; `local` means this machine.
    public var address: String
    public var port: Int
    /// Login user; nil uses the current user's name.
    public var user: String?
    public var transport: TransportKind
    /// Groups the host belongs to, in written order (later groups' vars win).
    public var groups: [String]
    public var vars: [TemplateEntry]
    /// Where the host is declared.
    public var location: FileLocation

    public init(
        name: String, address: String, port: Int = 22, user: String? = nil, transport: TransportKind = .ssh,
        groups: [String] = [], vars: [TemplateEntry] = [], location: FileLocation
    ) {
        self.name = name
        self.address = address
        self.port = port
        self.user = user
        self.transport = transport
        self.groups = groups
        self.vars = vars
        self.location = location
    }
}
