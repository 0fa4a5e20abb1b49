/// The inventory's top-level `ssh:` settings, shared by all its hosts.
public struct SSHSettings: Sendable, Hashable {
    /// How an unknown or changed host key is treated. There is deliberately no "off".
    public enum HostKeyChecking: String, Sendable, Hashable, CaseIterable {
        /// Only hosts already in known_hosts, with the same key (default).
        case strict
        /// A host not yet in known_hosts is trusted and added; a changed key is still refused.
        case acceptNew = "accept-new"
    }

    /// Private key file (`~` expanded by the transport); nil uses the SSH agent.
    public var identity: String?
    /// Where `identity` is written in the inventory, for a message about the file.
    public var identityLocation: FileLocation?
    /// Environment variable holding the key's passphrase.
    public var identityPassphraseEnv: String?
    public var knownHosts: String
    public var hostKeyChecking: HostKeyChecking
    public var connectTimeout: Duration

    public init(
        identity: String? = nil, identityPassphraseEnv: String? = nil, knownHosts: String = "~/.ssh/known_hosts",
        hostKeyChecking: HostKeyChecking = .strict, connectTimeout: Duration = .seconds(10)
    ) {
        self.identity = identity
        self.identityPassphraseEnv = identityPassphraseEnv
        self.knownHosts = knownHosts
        self.hostKeyChecking = hostKeyChecking
        self.connectTimeout = connectTimeout
    }
}
