public import Foundation

/// A working directory for end-to-end runs of `rollout`: an inventory of real loopback sshd
/// hosts reached with one client key and one known_hosts file, and a directory per host that
/// its login user owns, where playbooks put the files they change.
///
/// All hosts are this machine, so each host's files and state live under `root/<host>/`.
public final class DeploySandbox: Sendable {
    /// Ten sshd started once per test process, all at once, and shared by every sandbox.
    /// Awaited, not a `static let`, for the reason `SSHTestHost.shared` is.
    public static var fleet: [SSHTestHost] {
        get async { await startedFleet.value }
    }

    private static let startedFleet = Task<[SSHTestHost], Never> {
        do {
            return try await SSHTestHost.start(count: 10, name: "fleet")
        } catch {
            fatalError("cannot start the test sshd fleet: \(error)")
        }
    }

    public let root: URL
    public let hosts: [SSHTestHost]
    public let user: String

    /// A fresh directory with an inventory (`sandbox` environment) of the first `count` hosts
    /// of the fleet, named h0, h1, ….
    public convenience init(hostCount count: Int) async throws {
        try self.init(hosts: Array(await Self.fleet.prefix(count)))
    }

    /// A sandbox of `hosts` (h0, h1, …), for a test that does to its sshd what would disturb
    /// the tests sharing the fleet (cutting its sessions).
    public init(hosts: [SSHTestHost]) throws {
        self.hosts = hosts
        user = hosts[0].user
        root = URL(fileURLWithPath: "/tmp/rollout-sandboxes/\(TestProcess.id)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var knownHosts = ""
        for host in hosts {
            if host !== hosts[0] { try host.authorize(publicKeyFile: hosts[0].keyFile + ".pub") }
            knownHosts += try String(contentsOfFile: host.knownHostsFile, encoding: .utf8)
        }
        try knownHosts.write(to: root.appendingPathComponent("known_hosts"), atomically: true, encoding: .utf8)
        for index in hosts.indices {
            try FileManager.default.createDirectory(at: hostDirectory(index), withIntermediateDirectories: true)
        }
        try writeInventory(groups: hosts.map { _ in ["app"] })
        try runLocal("/bin/chown", ["-R", "\(user):", root.path])
    }

    /// Writes `inventory.yml` (environment `sandbox`) with host h`i` in the groups `groups[i]`;
    /// the sandbox starts with every host in `app` only.
    public func writeInventory(groups: [[String]]) throws {
        var inventory = "environments:\n  sandbox:\n    hosts:\n"
        for (index, host) in hosts.enumerated() {
            let names = index < groups.count ? groups[index] : []
            inventory +=
                "      h\(index): { address: 127.0.0.1, port: \(host.port), user: \(host.user), groups: [\(names.joined(separator: ", "))] }\n"
        }
        inventory += "ssh: { identity: \(hosts[0].keyFile), known_hosts: known_hosts }\n"
        try write("inventory.yml", inventory)
    }

    /// `root/h<index>`: the host's own files, owned by its login user.
    public func hostDirectory(_ index: Int) -> URL {
        root.appendingPathComponent("h\(index)")
    }

    /// Writes `text` to `name` under the sandbox (playbooks, check suites).
    public func write(_ name: String, _ text: String) throws {
        try text.write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Creates a file on host `index` as its login user would have it.
    public func seed(host index: Int, _ name: String, contents: String, mode: Int) throws {
        let url = hostDirectory(index).appendingPathComponent(name)
        try Data(contents.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        try runLocal("/bin/chown", ["\(user):", url.path])
    }

    /// Bytes, permission bits and owner of a file on host `index`, for before/after comparisons.
    public func snapshot(host index: Int, _ name: String) throws -> FileSnapshot {
        let path = hostDirectory(index).appendingPathComponent(name).path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return FileSnapshot(
            bytes: try Data(contentsOf: URL(fileURLWithPath: path)),
            mode: (attributes[.posixPermissions] as? Int) ?? -1,
            owner: (attributes[.ownerAccountName] as? String) ?? "?")
    }

    /// Every file under the sandbox (reports, local records, host state), for leak checks.
    public func allFiles() -> [URL] {
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        return (walker?.allObjects as? [URL] ?? []).filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }
    }

    /// Runs `rollout` in the sandbox directory (in the hosts' network namespace, when they have
    /// one); `during` gets its process once it started, on a thread of its own (see
    /// `RolloutCLI.run`).
    public func rollout(
        _ arguments: [String], environment: [String: String] = [:], whileRunning during: @escaping (ChildProcess) throws -> Void = { _ in }
    ) async throws -> RolloutCLI.Output {
        try await RolloutCLI.run(arguments, in: root, environment: environment, launcher: launcher, whileRunning: during)
    }

    /// The blocking `rollout`, for a `during` that starts another run while the first goes on.
    public func rollout(_ arguments: [String], environment: [String: String] = [:]) throws -> RolloutCLI.Output {
        try RolloutCLI.run(arguments, in: root, environment: environment, launcher: launcher)
    }

    private var launcher: [String] { hosts[0].namespace.map { ["/usr/sbin/ip", "netns", "exec", $0] } ?? [] }

    /// Points the inventory and known_hosts at `port` instead of host `index`'s own (a proxy
    /// in front of it).
    public func reach(host index: Int, through port: Int) throws {
        let own = hosts[index].port
        for (name, old, new) in [("inventory.yml", "port: \(own),", "port: \(port),"), ("known_hosts", "]:\(own) ", "]:\(port) ")] {
            let url = root.appendingPathComponent(name)
            try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
        }
    }
}

/// A file's bytes, mode and owner.
public struct FileSnapshot: Equatable, Sendable {
    public var bytes: Data
    public var mode: Int
    public var owner: String
}
