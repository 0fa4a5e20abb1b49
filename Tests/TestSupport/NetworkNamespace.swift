public import Foundation

/// A network namespace of its own for one test, with only a loopback: what the test does to its
/// traffic (nftables rules that drop or reset packets) reaches nothing outside it. Deleted when
/// the value is released.
public final class NetworkNamespace: Sendable {
    public let name: String

    /// Why this machine cannot make one (no `ip`/`nft`, or the kernel refuses), nil when it can;
    /// asked once.
    public static let unavailableReason: String? = {
        let probe = "rollout-probe-\(getpid())"
        defer { _ = try? runLocal("/usr/sbin/ip", ["netns", "del", probe]) }
        do {
            try runLocal("/usr/sbin/ip", ["netns", "add", probe])
            try runLocal("/usr/sbin/ip", ["netns", "exec", probe, "/usr/sbin/nft", "add table inet probe"])
            return nil
        } catch {
            return "network namespaces with nftables are not available here: \(error)"
        }
    }()

    /// Creates `rollout-<pid>-<label>` with its loopback up.
    public init(_ label: String) throws {
        name = "rollout-\(getpid())-\(label)"
        _ = try? runLocal("/usr/sbin/ip", ["netns", "del", name])
        try runLocal("/usr/sbin/ip", ["netns", "add", name])
        try exec(["/usr/sbin/ip", "link", "set", "lo", "up"])
    }

    deinit {
        _ = try? runLocal("/usr/sbin/ip", ["netns", "del", name])
    }

    /// Runs a program inside the namespace; its stdout.
    @discardableResult
    public func exec(_ command: [String]) throws -> String {
        try runLocal("/usr/sbin/ip", ["netns", "exec", name] + command)
    }

    /// Applies an nftables script (`nft -f`) inside the namespace.
    public func nft(_ script: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nft-\(UUID().uuidString).nft")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try exec(["/usr/sbin/nft", "-f", file.path])
    }

    /// The local ports of the established TCP connections to `port` inside the namespace.
    public func clientPorts(connectedTo port: Int) throws -> [Int] {
        try exec(["/usr/bin/ss", "-Htn", "state", "established", "( dport = :\(port) )"])
            .split(separator: "\n")
            .compactMap { line in
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // Recv-Q Send-Q Local:Port Peer:Port
                return fields.count >= 3 ? fields[2].split(separator: ":").last.flatMap { Int($0) } : nil
            }
    }
}
