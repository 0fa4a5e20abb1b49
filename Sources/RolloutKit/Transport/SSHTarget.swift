import Foundation

/// Where and how to open an SSH connection: the settings `SSHTransport` and
/// `OpenSSHTransport` share.
public struct SSHTarget: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var user: String
    /// Private key file (ed25519 or ECDSA; RSA only with `transport: openssh`). When nil,
    /// the keys of the ssh-agent at `SSH_AUTH_SOCK` are offered.
    public var identityFile: String?
    /// NAME of the environment variable that holds the key's passphrase (never the passphrase).
    public var passphraseVariable: String?
    /// The ssh-agent socket to use when `identityFile` is nil; nil means `$SSH_AUTH_SOCK`.
    public var agentSocket: String?
    /// The known_hosts file to check the host key against (and to append to with accept-new).
    public var knownHostsFile: String
    public var hostKeyPolicy: HostKeyPolicy
    /// Limit for TCP connect plus SSH handshake.
    public var connectTimeout: Duration
    /// How often an idle session sends a keepalive; a peer silent for three intervals is dead.
    public var keepaliveInterval: Duration

    public init(
        host: String,
        port: Int = 22,
        user: String,
        identityFile: String? = nil,
        passphraseVariable: String? = nil,
        agentSocket: String? = nil,
        knownHostsFile: String? = nil,
        hostKeyPolicy: HostKeyPolicy = .strict,
        connectTimeout: Duration = .seconds(10),
        keepaliveInterval: Duration = .seconds(15)
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.identityFile = identityFile.map(Self.expandTilde)
        self.passphraseVariable = passphraseVariable
        self.agentSocket = agentSocket
        self.knownHostsFile = Self.expandTilde(knownHostsFile ?? "~/.ssh/known_hosts")
        self.hostKeyPolicy = hostKeyPolicy
        self.connectTimeout = connectTimeout
        self.keepaliveInterval = keepaliveInterval
    }

    /// "user@host:port", for messages.
    public var endpoint: String { "\(user)@\(host):\(port)" }

    static func expandTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return FileManager.default.homeDirectoryForCurrentUser.path + path.dropFirst()
    }

    var connectTimeoutMilliseconds: Int {
        let (s, atto) = connectTimeout.components
        return max(1, Int(s) * 1000 + Int(atto / 1_000_000_000_000_000))
    }

    var keepaliveSeconds: Int {
        max(1, Int(keepaliveInterval.components.seconds))
    }
}
