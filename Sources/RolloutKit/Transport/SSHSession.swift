import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One authenticated libssh2 session over one TCP socket. Not thread-safe: `SSHTransport`
/// confines it to its own serial executor. Frees the session and closes the socket in deinit.
final class SSHSession {
    let target: SSHTarget
    let socket: Int32
    let raw: OpaquePointer
    /// Set once the connection failed; the owner then drops the session and reconnects.
    var isBroken = false

    private static let libraryReady: Bool = libssh2_init(0) == 0

    /// Connects, checks the host key and authenticates, or throws why not.
    init(target: SSHTarget) throws(TransportError) {
        let endpoint = target.endpoint
        guard Self.libraryReady else {
            throw .sessionFailed(endpoint: endpoint, operation: "library setup", reason: "libssh2_init failed")
        }
        let fd = try Self.connectSocket(target)
        guard let raw = cssh_session_init() else {
            close(fd)
            throw .sessionFailed(endpoint: endpoint, operation: "session setup", reason: "libssh2 could not allocate a session")
        }
        self.target = target
        self.socket = fd
        self.raw = raw
        // From here on deinit frees the session and closes the socket, also when init throws.
        libssh2_session_set_blocking(raw, 1)
        libssh2_session_set_timeout(raw, target.connectTimeoutMilliseconds)
        do {
            var knownHosts = try loadKnownHosts()
            try handshake(preferring: knownHosts.keyTypes(host: target.host, port: target.port))
            try verifyHostKey(against: &knownHosts)
            try authenticate()
        } catch {
            // Reading known_hosts or the key needs a descriptor too: when none is left, that is
            // the failure to report, not an unreadable file or a refused key.
            if FileDescriptorLimit.exhausted { throw .outOfFileDescriptors(endpoint: endpoint, limit: FileDescriptorLimit.current) }
            throw error
        }
        libssh2_keepalive_config(raw, 1, UInt32(target.keepaliveSeconds))
        libssh2_session_set_timeout(raw, 0)
        libssh2_session_set_blocking(raw, 0)
    }

    deinit {
        libssh2_session_set_blocking(raw, 0)
        if !isBroken { _ = cssh_session_disconnect(raw, "bye") }
        libssh2_session_free(raw)
        close(socket)
    }

    // MARK: Connecting

    private static func connectSocket(_ target: SSHTarget) throws(TransportError) -> Int32 {
        let endpoint = target.endpoint
        switch TCPConnector.connect(host: target.host, port: target.port, timeout: target.connectTimeout) {
        case .success(let fd):
            Self.tune(fd, keepaliveSeconds: target.keepaliveSeconds)
            return fd
        case .failure(.unresolvable(let reason)):
            throw .unreachable(endpoint: endpoint, reason: reason)
        case .failure(.refused):
            throw .connectionRefused(endpoint: endpoint)
        case .failure(.timedOut):
            throw .unreachable(endpoint: endpoint, reason: "no answer within \(TransportError.seconds(target.connectTimeout))")
        case .failure(.other(let reason)):
            throw .unreachable(endpoint: endpoint, reason: reason)
        case .failure(.outOfFileDescriptors):
            throw .outOfFileDescriptors(endpoint: endpoint, limit: FileDescriptorLimit.current)
        }
    }

    /// No Nagle delay on our small requests, and a peer that stops acknowledging for three
    /// keepalive intervals fails the socket instead of hanging a command for the kernel's 15 min.
    private static func tune(_ fd: Int32, keepaliveSeconds: Int) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        var userTimeout = UInt32(keepaliveSeconds * 3 * 1000)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &userTimeout, socklen_t(MemoryLayout<UInt32>.size))
    }

    private func loadKnownHosts() throws(TransportError) -> KnownHosts {
        do {
            return try KnownHosts.load(path: target.knownHostsFile)
        } catch {
            throw .invalidConfiguration(endpoint: target.endpoint, problem: "cannot read known_hosts file \(target.knownHostsFile): \(error)")
        }
    }

    /// Host key algorithms libssh2 1.10 can verify, best first; those known_hosts already holds
    /// for the host move to the front, so the host presents a key we can check.
    static let hostKeyAlgorithms = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]

    private func handshake(preferring known: [String]) throws(TransportError) {
        let order = Self.hostKeyAlgorithms.filter(known.contains) + Self.hostKeyAlgorithms.filter { !known.contains($0) }
        _ = libssh2_session_method_pref(raw, LIBSSH2_METHOD_HOSTKEY, order.joined(separator: ","))
        let rc = libssh2_session_handshake(raw, socket)
        guard rc == 0 else {
            let error = lastError(rc)
            if rc == LIBSSH2_ERROR_TIMEOUT {
                throw .unreachable(endpoint: target.endpoint, reason: "no SSH greeting within \(TransportError.seconds(target.connectTimeout))")
            }
            isBroken = true
            throw .sessionFailed(endpoint: target.endpoint, operation: "handshake", reason: error.description)
        }
    }

    private func verifyHostKey(against knownHosts: inout KnownHosts) throws(TransportError) {
        var length = 0
        var type: Int32 = 0
        guard let pointer = libssh2_session_hostkey(raw, &length, &type) else {
            throw .sessionFailed(endpoint: target.endpoint, operation: "host key exchange", reason: "the server sent no host key")
        }
        let key = Array(UnsafeRawBufferPointer(start: pointer, count: length))
        let offered = "\(KnownHosts.keyType(of: key)) \(KnownHosts.fingerprint(of: key))"
        let hostField = KnownHosts.hostField(host: target.host, port: target.port)
        switch knownHosts.check(host: target.host, port: target.port, key: key) {
        case .trusted:
            return
        case .mismatch(let entry):
            throw .hostKeyMismatch(
                endpoint: target.endpoint, knownHostsPath: knownHosts.path, line: entry.line,
                expected: "\(entry.keyType) \(KnownHosts.fingerprint(of: entry.key))", offered: offered,
                removeCommand: "ssh-keygen -R '\(hostField)' -f \(knownHosts.path)")
        case .unknown:
            guard target.hostKeyPolicy == .acceptNew else {
                let portFlag = target.port == 22 ? "" : "-p \(target.port) "
                throw .hostKeyUnknown(
                    endpoint: target.endpoint, knownHostsPath: knownHosts.path, offered: offered,
                    scanCommand: "ssh-keyscan \(portFlag)\(target.host) >> \(knownHosts.path)")
            }
            do {
                try knownHosts.append(host: target.host, port: target.port, key: key)
            } catch {
                throw .invalidConfiguration(endpoint: target.endpoint, problem: "cannot add the new host key to \(knownHosts.path): \(error)")
            }
        }
    }

    // MARK: Authenticating

    private func authenticate() throws(TransportError) {
        if let identity = target.identityFile {
            try authenticate(withKeyFile: identity)
        } else {
            try authenticateWithAgent()
        }
    }

    private func authenticate(withKeyFile path: String) throws(TransportError) {
        let endpoint = target.endpoint
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .invalidConfiguration(endpoint: endpoint, problem: "identity file \(path) does not exist or is not readable")
        }
        var passphrase: String?
        if let name = target.passphraseVariable {
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw .invalidConfiguration(endpoint: endpoint, problem: "the passphrase variable \(name) for \(path) is not set")
            }
            passphrase = value
        }
        let user = target.user
        let rc = libssh2_userauth_publickey_fromfile_ex(raw, user, UInt32(user.utf8.count), nil, path, passphrase)
        guard rc != 0 else { return }
        if rc == LIBSSH2_ERROR_FILE {
            let hint = target.passphraseVariable.map { "wrong passphrase in $\($0)" } ?? "it needs a passphrase (set the passphrase variable)"
            throw .invalidConfiguration(endpoint: endpoint, problem: "cannot load the key \(path): \(hint), or its format is not supported")
        }
        let error = lastError(rc)
        if error.isConnectionLoss {
            isBroken = true
            throw .sessionFailed(endpoint: endpoint, operation: "authentication", reason: error.description)
        }
        if SSHKeyFile.keyType(privateKeyAt: path) == "ssh-rsa" {
            throw .rsaKeyRejected(endpoint: endpoint, keyDescription: path)
        }
        throw .authenticationFailed(endpoint: endpoint, user: user, reason: "the server refused the key \(path)")
    }

    private func authenticateWithAgent() throws(TransportError) {
        let endpoint = target.endpoint
        guard let socketPath = target.agentSocket ?? ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] else {
            throw .invalidConfiguration(
                endpoint: endpoint, problem: "no identity file is configured and SSH_AUTH_SOCK is not set; set ssh.identity or start ssh-agent")
        }
        guard let agent = libssh2_agent_init(raw) else {
            throw .sessionFailed(endpoint: endpoint, operation: "ssh-agent setup", reason: lastError(-1).description)
        }
        defer {
            libssh2_agent_disconnect(agent)
            libssh2_agent_free(agent)
        }
        libssh2_agent_set_identity_path(agent, socketPath)
        guard libssh2_agent_connect(agent) == 0, libssh2_agent_list_identities(agent) == 0 else {
            throw .invalidConfiguration(endpoint: endpoint, problem: "cannot talk to the ssh-agent at \(socketPath); start it or set ssh.identity")
        }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var tried = 0
        var onlyRSA = true
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            guard libssh2_agent_get_identity(agent, &identity, previous) == 0, let identity else { break }
            tried += 1
            let blob = Array(UnsafeBufferPointer(start: identity.pointee.blob, count: identity.pointee.blob_len))
            if KnownHosts.keyType(of: blob) != "ssh-rsa" { onlyRSA = false }
            if libssh2_agent_userauth(agent, target.user, identity) == 0 { return }
            previous = identity
        }
        if tried == 0 {
            throw .authenticationFailed(endpoint: endpoint, user: target.user, reason: "the ssh-agent holds no keys (ssh-add one)")
        }
        if onlyRSA {
            throw .rsaKeyRejected(endpoint: endpoint, keyDescription: "offered by ssh-agent")
        }
        throw .authenticationFailed(endpoint: endpoint, user: target.user, reason: "the server refused all \(tried) keys of the ssh-agent")
    }

    // MARK: Non-blocking plumbing

    func lastError(_ code: Int32) -> LibSSH2Error {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let current = libssh2_session_last_error(raw, &message, &length, 0)
        let text = message.map { String(cString: $0) } ?? ""
        return LibSSH2Error(code: code < 0 ? code : current, message: text)
    }

    /// Waits until the socket can move the data libssh2 is blocked on, at most `milliseconds`;
    /// sends a keepalive when one is due.
    func waitForSocket(milliseconds: Int32) throws(LibSSH2Error) {
        var secondsToNext: Int32 = 0
        let rc = libssh2_keepalive_send(raw, &secondsToNext)
        if rc != 0 && rc != LIBSSH2_ERROR_EAGAIN { throw failure(rc) }
        let directions = libssh2_session_block_directions(raw)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        if events == 0 { events = Int16(POLLIN) }
        // sshd sets TCP_NODELAY only at its first exec, so its first replies wait for our ACK;
        // QUICKACK is not sticky, hence before every poll.
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = milliseconds
        if secondsToNext > 0 { timeout = min(timeout, secondsToNext * 1000) }
        var p = pollfd(fd: socket, events: events, revents: 0)
        _ = poll(&p, 1, timeout)
    }

    /// Marks the session broken when `code` says the connection is gone.
    func failure(_ code: Int32) -> LibSSH2Error {
        let error = lastError(code)
        if error.isConnectionLoss { isBroken = true }
        return error
    }

    /// Repeats a non-blocking call until it stops saying EAGAIN.
    @discardableResult
    func call(_ operation: () -> Int32) throws(LibSSH2Error) -> Int32 {
        while true {
            let rc = operation()
            if rc >= 0 { return rc }
            if rc != LIBSSH2_ERROR_EAGAIN { throw failure(rc) }
            try waitForSocket(milliseconds: 1000)
        }
    }

    /// Repeats a non-blocking call that returns a handle until it stops saying EAGAIN.
    func call(_ operation: () -> OpaquePointer?) throws(LibSSH2Error) -> OpaquePointer {
        while true {
            if let handle = operation() { return handle }
            let rc = libssh2_session_last_errno(raw)
            if rc != LIBSSH2_ERROR_EAGAIN { throw failure(rc) }
            try waitForSocket(milliseconds: 1000)
        }
    }
}
