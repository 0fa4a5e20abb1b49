/// Why a transport could not do what it was asked.
///
/// Each description is one line that says what failed, on which host, and what to do next.
/// Connection-level cases (`unreachable`, `connectionRefused`, `authenticationFailed`,
/// `rsaKeyRejected`, `hostKeyMismatch`, `hostKeyUnknown`) mean nothing ran on the host.
public enum TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The host did not answer: name did not resolve, no route, or the connect timed out.
    case unreachable(endpoint: String, reason: String)
    /// The host answered but nothing listens on the port.
    case connectionRefused(endpoint: String)
    /// The server refused every key that was offered.
    case authenticationFailed(endpoint: String, user: String, reason: String)
    /// The key is an RSA key, which libssh2 1.10 can only sign with SHA-1 and OpenSSH 8.8+ refuses.
    case rsaKeyRejected(endpoint: String, keyDescription: String)
    /// The host offered a key that differs from the one known_hosts holds for it.
    case hostKeyMismatch(endpoint: String, knownHostsPath: String, line: Int, expected: String, offered: String, removeCommand: String)
    /// The host is not in known_hosts and the policy is strict.
    case hostKeyUnknown(endpoint: String, knownHostsPath: String, offered: String, scanCommand: String)
    /// The connection dropped while a command ran: it may or may not have completed.
    case connectionLost(endpoint: String, command: String, reason: String)
    /// The command ran longer than its timeout; its process group was killed.
    case timedOut(endpoint: String, command: String, after: Duration)
    /// A file operation failed on the host.
    case fileOperationFailed(endpoint: String, operation: String, path: String, reason: String)
    /// A file was larger than the caller allowed.
    case fileTooLarge(endpoint: String, path: String, size: UInt64, limit: Int)
    /// The transport is misconfigured (missing key file, passphrase variable unset, bad env name).
    case invalidConfiguration(endpoint: String, problem: String)
    /// The SSH protocol failed outside a command (handshake, channel open).
    case sessionFailed(endpoint: String, operation: String, reason: String)
    /// This machine has no file descriptor left for the connection: the process is at its
    /// `ulimit -n` (`limit`, nil when unknown) or the system at its own.
    case outOfFileDescriptors(endpoint: String, limit: Int?)

    /// True when the command may have run on the host although no result came back.
    public var outcomeUnknown: Bool {
        if case .connectionLost = self { return true }
        return false
    }

    /// True for failures that happened before anything could run on the host.
    public var isConnectionFailure: Bool {
        switch self {
        case .unreachable, .connectionRefused, .authenticationFailed, .rsaKeyRejected,
            .hostKeyMismatch, .hostKeyUnknown, .outOfFileDescriptors:
            return true
        default:
            return false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "cannot reach \(endpoint): \(reason); check the address, the port and that the host is up"
        case .connectionRefused(let endpoint):
            return "connection refused by \(endpoint): no SSH server listens there; check the port or start sshd"
        case .authenticationFailed(let endpoint, let user, let reason):
            return "authentication as \(user) failed on \(endpoint): \(reason); check that the key's .pub line is in ~\(user)/.ssh/authorized_keys"
        case .rsaKeyRejected(let endpoint, let key):
            return
                "\(endpoint) rejected the RSA key \(key): libssh2 1.10 signs RSA only with SHA-1, which OpenSSH 8.8+ refuses; use an ed25519 key or set `transport: openssh`"
        case .hostKeyMismatch(let endpoint, let path, let line, let expected, let offered, let remove):
            return
                "HOST KEY MISMATCH for \(endpoint): \(path):\(line) expects \(expected) but the host offered \(offered); if the host was really reinstalled, run `\(remove)` and connect again, otherwise do not connect"
        case .hostKeyUnknown(let endpoint, let path, let offered, let scan):
            return
                "host key of \(endpoint) (\(offered)) is not in \(path); verify it out of band and add it with `\(scan)`, or set host_key_checking: accept-new"
        case .connectionLost(let endpoint, let command, let reason):
            return
                "connection to \(endpoint) lost while running `\(command)` (\(reason)): its outcome is UNKNOWN; check the host before running it again"
        case .timedOut(let endpoint, let command, let after):
            return
                "`\(command)` on \(endpoint) ran longer than its timeout of \(Self.seconds(after)) and was killed with its process group; raise `timeout` or find out why it hangs"
        case .fileOperationFailed(let endpoint, let operation, let path, let reason):
            return "\(operation) \(path) on \(endpoint) failed: \(reason)"
        case .fileTooLarge(let endpoint, let path, let size, let limit):
            return "\(path) on \(endpoint) is \(size) bytes, more than the \(limit) allowed; download it instead"
        case .invalidConfiguration(let endpoint, let problem):
            return "cannot connect to \(endpoint): \(problem)"
        case .sessionFailed(let endpoint, let operation, let reason):
            return "SSH \(operation) with \(endpoint) failed: \(reason); try again, and check the server's log if it persists"
        case .outOfFileDescriptors(let endpoint, let limit):
            let limitText = limit.map { "its limit of \($0) open files (`ulimit -n`)" } ?? "the system's limit of open files"
            return
                "cannot open a connection to \(endpoint): rollout reached \(limitText), and a run keeps one connection per host open; raise the limit (`ulimit -n 4096`) or run fewer hosts at once (`--shard K/N` or `--limit`)"
        }
    }

    static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        let ms = s * 1000 + atto / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(Double(ms) / 1000)s"
    }
}
