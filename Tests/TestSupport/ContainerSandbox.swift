public import Foundation

/// A working directory for runs of `rollout` against container hosts (`ContainerHost`): an
/// inventory (`sandbox` environment) of hosts h0, h1, … reached as one login user with the
/// shared client key, and one known_hosts file.
public final class ContainerSandbox: Sendable {
    public let root: URL
    public let hosts: [ContainerHost]
    public let user: String

    /// `vars[i]` are host h`i`'s inventory vars (`app_port: "8001"`), `groups[i]` its groups.
    public init(hosts: [ContainerHost], user: String, groups: [[String]] = [], vars: [String] = []) throws {
        self.hosts = hosts
        self.user = user
        root = URL(fileURLWithPath: "/tmp/rollout-sandboxes/\(TestProcess.id)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var knownHosts = ""
        var inventory = "environments:\n  sandbox:\n    hosts:\n"
        for (index, host) in hosts.enumerated() {
            knownHosts += try String(contentsOfFile: host.knownHostsFile, encoding: .utf8)
            inventory += host.inventoryLine(
                "h\(index)", user: user, groups: index < groups.count ? groups[index] : ["app"], vars: index < vars.count ? vars[index] : "")
        }
        inventory += "ssh: { identity: \(ContainerHost.keyFile), known_hosts: known_hosts }\n"
        try write("known_hosts", knownHosts)
        try write("inventory.yml", inventory)
    }

    /// Writes `text` to `name` under the sandbox (playbooks, files to upload).
    public func write(_ name: String, _ text: String) throws {
        try text.write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Runs `rollout` in the sandbox directory.
    public func rollout(_ arguments: [String]) async throws -> RolloutCLI.Output {
        try await RolloutCLI.run(arguments, in: root)
    }
}
