public import Foundation
public import RolloutKit

#if canImport(Glibc)
    import Glibc
#endif

/// A real sshd on 127.0.0.1 started through `scripts/sandbox-host`, with a login user, a
/// client key and a known_hosts file. `shared` starts once per test process; every host is
/// stopped by the script's watchdog as soon as the test process ends.
public final class SSHTestHost: Sendable {
    public let directory: URL
    public let port: Int
    public let user: String
    /// The network namespace sshd runs in (see `NetworkNamespace`); nil for this machine's.
    public let namespace: String?

    /// The host every integration test shares, started by the first test that asks. Awaited,
    /// not a `static let`: the tests that asked while it started each blocked a thread of the
    /// cooperative pool (two here) in the one-time initialisation, and so every other test.
    public static var shared: SSHTestHost {
        get async { await startedShared.value }
    }

    private static let startedShared = Task<SSHTestHost, Never> {
        do {
            return try await SSHTestHost.start(name: "shared")
        } catch {
            fatalError("cannot start the test sshd: \(error)")
        }
    }

    private init(directory: URL, port: Int, user: String, namespace: String? = nil) {
        self.directory = directory
        self.port = port
        self.user = user
        self.namespace = namespace
    }

    /// Starts a new host on a free port, under a directory of its own; with `namespace`, sshd
    /// listens on that network namespace's loopback (the port is then free there for sure).
    public static func start(name: String, namespace: String? = nil) async throws -> SSHTestHost {
        let directory = URL(fileURLWithPath: "/tmp/rollout-test-hosts/\(TestProcess.id)-\(name)")
        try? FileManager.default.removeItem(at: directory)
        // A free port is only free when asked: a connection another test opens meanwhile may
        // take it as its local port before sshd binds it. Then sshd exits at once; try another.
        var attempts = 0
        while true {
            let host = SSHTestHost(directory: directory, port: try freePort(), user: "rollout-test", namespace: namespace)
            do {
                try await host.startSSHD()
                return host
            } catch {
                attempts += 1
                if attempts == 3 { throw error }
            }
        }
    }

    /// Starts `count` hosts at once, each its own sshd on its own port.
    public static func start(count: Int, name: String) async throws -> [SSHTestHost] {
        try await withThrowingTaskGroup(of: (Int, SSHTestHost).self) { group in
            for index in 0..<count {
                group.addTask { (index, try await start(name: "\(name)-\(index)")) }
            }
            var hosts: [Int: SSHTestHost] = [:]
            for try await (index, host) in group { hosts[index] = host }
            return (0..<count).compactMap { hosts[$0] }
        }
    }

    /// (Re)starts this host's sshd on its port with its existing keys.
    public func startSSHD() async throws {
        try await script(["start", directory.path, String(port), "--watch", String(getpid())])
    }

    /// Kills this host's sshd and every session it serves.
    public func stop() throws {
        try script(["stop", directory.path])
    }

    /// Kills sshd and its sessions but leaves their commands running: a dropped connection.
    public func crash() throws {
        try script(["crash", directory.path])
    }

    /// Kills, with SIGKILL, the sshd processes serving this host's open sessions, and nothing
    /// else: the listener still takes new connections and the commands the sessions ran are
    /// left running, as when the connection to a host is cut mid-command.
    /// Returns how many sessions' processes it killed.
    @discardableResult
    public func dropSessions() throws -> Int {
        let pidFile = directory.appendingPathComponent("sshd/sshd.pid").path
        guard let listener = Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw CommandFailed(command: "read \(pidFile)", output: "no pid") }
        let sessions = ProcessTable.descendants(of: listener).filter { ProcessTable.command(of: $0) == "sshd" }
        for pid in sessions { kill(pid, SIGKILL) }
        return sessions.count
    }

    public var keyFile: String { directory.appendingPathComponent("client/id_ed25519").path }
    public var knownHostsFile: String { directory.appendingPathComponent("client/known_hosts").path }
    public var authorizedKeysFile: String { directory.appendingPathComponent("sshd/authorized_keys").path }

    /// Connection settings for this host; override what a test varies. With `agentSocket`,
    /// the keys of that agent are used instead of the key file.
    public func target(
        identityFile: String? = nil, knownHostsFile: String? = nil, hostKeyPolicy: HostKeyPolicy = .strict,
        passphraseVariable: String? = nil, agentSocket: String? = nil
    ) -> SSHTarget {
        SSHTarget(
            host: "127.0.0.1", port: port, user: user, identityFile: agentSocket == nil ? identityFile ?? keyFile : nil,
            passphraseVariable: passphraseVariable, agentSocket: agentSocket, knownHostsFile: knownHostsFile ?? self.knownHostsFile,
            hostKeyPolicy: hostKeyPolicy, connectTimeout: .seconds(5))
    }

    /// Allows `publicKeyFile` to log in (sshd reads authorized_keys at every login).
    public func authorize(publicKeyFile: String) throws {
        let key = try String(contentsOfFile: publicKeyFile, encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: authorizedKeysFile))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(key.utf8))
    }

    /// A port nothing listens on right now, and that a connection to 127.0.0.1 is refused on
    /// at once: a port a container runtime forwards (podman's DNAT of a published port) has no
    /// listening socket here, yet connections to it go to the container, or nowhere.
    public static func freePort() throws -> Int {
        for _ in 0..<20 {
            let port = try unboundPort()
            if connectionRefused(port) { return port }
        }
        return try unboundPort()
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is refused within 200 ms.
    private static func connectionRefused(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result == 0 { return false }
        if errno == ECONNREFUSED { return true }
        guard errno == EINPROGRESS else { return false }
        var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&waiting, 1, 200) == 1 else { return false }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == ECONNREFUSED
    }

    private static func unboundPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw CommandFailed(command: "bind 127.0.0.1:0", output: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `scripts/sandbox-host` in this host's network namespace.
    @discardableResult
    func script(_ arguments: [String]) async throws -> String {
        let command = scriptCommand(arguments)
        return try await runLocal(command[0], Array(command.dropFirst()))
    }

    /// `script` for `stop` and `crash`, which tests call where they cannot await (`defer`).
    @discardableResult
    func script(_ arguments: [String]) throws -> String {
        let command = scriptCommand(arguments)
        return try runLocal(command[0], Array(command.dropFirst()))
    }

    private func scriptCommand(_ arguments: [String]) -> [String] {
        let path = packageRoot.appendingPathComponent("scripts/sandbox-host").path
        let launcher = namespace.map { ["/usr/sbin/ip", "netns", "exec", $0] } ?? []
        return launcher + [path] + arguments
    }
}

/// A helper command of a test fixture failed.
public struct CommandFailed: Error, CustomStringConvertible {
    public var command: String
    public var output: String
    public var description: String { "`\(command)` failed: \(output)" }
}

/// Runs a local program to completion and returns its stdout; throws with its output when it fails.
/// Waits off the shared cooperative pool (see `ChildProcess.wait()`).
@discardableResult
public func runLocal(_ executable: String, _ arguments: [String]) async throws -> String {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-fixture-\(UUID().uuidString)").path
    defer { unlink(output) }
    let status = try await ChildProcess(executable, arguments, stdout: output, stderr: output).wait()
    return try finishedRun(executable, arguments, status: status, output: output)
}

/// `runLocal` for code that cannot await (a fixture's one-time start): blocks the calling thread.
@discardableResult
public func runLocal(_ executable: String, _ arguments: [String]) throws -> String {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-fixture-\(UUID().uuidString)").path
    defer { unlink(output) }
    let status = try ChildProcess(executable, arguments, stdout: output, stderr: output).wait()
    return try finishedRun(executable, arguments, status: status, output: output)
}

/// What a finished `runLocal` program wrote to `output`, or the error naming it when it failed.
private func finishedRun(_ executable: String, _ arguments: [String], status: Int32, output: String) throws -> String {
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    guard status == 0 else {
        throw CommandFailed(command: ([executable] + arguments).joined(separator: " "), output: text)
    }
    return text
}
