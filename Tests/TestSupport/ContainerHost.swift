public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real Debian 12 server: `scripts/container-host` boots the cached image of
/// `scripts/host-image` with systemd as PID 1 in a systemd-nspawn container, with its sshd on its
/// own loopback port. `root` and `deploy` (NOPASSWD sudo) log in with one client key that every
/// container host of the test process shares. Stopped when released; the script's watchdog stops
/// it by PID when the test process ends first.
public final class ContainerHost: Sendable {
    public let directory: URL
    public let sshPort: Int
    /// The port Debian's PostgreSQL 15 listens on inside, when the host was started with it.
    public let postgresPort: Int?

    /// One host shared by the tests that each use their own units on it.
    public static let shared: ContainerHost = {
        do {
            return try ContainerHost.start(name: "shared")
        } catch {
            fatalError("cannot boot the container host: \(error)")
        }
    }()

    /// The client key of every container host of this test process.
    public static let keyFile: String = {
        let directory = "/tmp/rollout-test-hosts/\(TestProcess.id)-container-client"
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            try runLocal("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rollout container tests", "-f", directory + "/id_ed25519"])
        } catch {
            fatalError("cannot make the container hosts' client key: \(error)")
        }
        return directory + "/id_ed25519"
    }()

    private init(directory: URL, sshPort: Int, postgresPort: Int?) {
        self.directory = directory
        self.sshPort = sshPort
        self.postgresPort = postgresPort
    }

    /// Boots a host named `name` on free ports (with PostgreSQL when `postgres` is true).
    public static func start(name: String, postgres: Bool = false) throws -> ContainerHost {
        let directory = URL(fileURLWithPath: "/tmp/rollout-test-hosts/\(TestProcess.id)-container-\(name)")
        try? FileManager.default.removeItem(at: directory)
        let client = directory.appendingPathComponent("client")
        try FileManager.default.createDirectory(at: client, withIntermediateDirectories: true)
        for suffix in ["", ".pub"] {
            try FileManager.default.copyItem(atPath: keyFile + suffix, toPath: client.appendingPathComponent("id_ed25519" + suffix).path)
        }
        // A port found free may be taken before sshd binds it (see SSHTestHost.start).
        var attempts = 0
        while true {
            let host = ContainerHost(
                directory: directory, sshPort: try SSHTestHost.freePort(), postgresPort: postgres ? try SSHTestHost.freePort() : nil)
            do {
                var arguments = ["start", directory.path, String(host.sshPort), "--watch", String(getpid())]
                if let port = host.postgresPort { arguments += ["--postgres", String(port)] }
                try runLocal(packageRoot.appendingPathComponent("scripts/container-host").path, arguments)
                return host
            } catch {
                attempts += 1
                if attempts == 3 { throw error }
            }
        }
    }

    public var knownHostsFile: String { directory.appendingPathComponent("client/known_hosts").path }

    /// Runs `command` on the host as `user` through the system's ssh client; its stdout.
    @discardableResult
    public func ssh(_ command: String, as user: String = "root") throws -> String {
        try runLocal(
            "/usr/bin/ssh",
            [
                "-q", "-p", String(sshPort), "-i", Self.keyFile, "-o", "UserKnownHostsFile=\(knownHostsFile)", "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "\(user)@127.0.0.1", command,
            ])
    }

    /// Writes `contents` to `path` on the host (as root), with `owner` and `mode`.
    public func write(_ path: String, _ contents: String, owner: String = "root", mode: String = "644") throws {
        let encoded = Data(contents.utf8).base64EncodedString()
        try ssh(
            "mkdir -p \"$(dirname '\(path)')\" && echo '\(encoded)' | base64 -d > '\(path)' && chown \(owner): '\(path)' && chmod \(mode) '\(path)'")
    }

    /// The inventory line of this host as `name`, logging in as `user`.
    public func inventoryLine(_ name: String, user: String, groups: [String] = ["app"], vars: String = "") -> String {
        "      \(name): { address: 127.0.0.1, port: \(sshPort), user: \(user), groups: [\(groups.joined(separator: ", "))]\(vars.isEmpty ? "" : ", vars: { \(vars) }") }\n"
    }

    /// Stops the host by the PID the script recorded.
    public func stop() throws {
        try runLocal(packageRoot.appendingPathComponent("scripts/container-host").path, ["stop", directory.path])
    }

    deinit {
        try? stop()
    }
}
