import Foundation

/// `--shard K/N`: the K-th of N parts of a run's hosts, so that N CI jobs deploy one inventory
/// between them.
///
/// The hosts (after `--limit`) are sorted by name and dealt out in turn: the first name goes to
/// shard 1, the second to shard 2, …, the N+1-th to shard 1 again. Every job that reads the same
/// inventory makes the same split whatever the order of the inventory file, each host lands in
/// exactly one shard, and the shards differ in size by at most one host. Jobs that overlap by
/// mistake (the same shard twice, or a run without `--shard` meanwhile) are kept apart by each
/// host's deploy lock.
public struct HostShard: Sendable, Hashable, CustomStringConvertible {
    /// Which part, from 1.
    public let index: Int
    /// Into how many parts.
    public let count: Int

    public init(index: Int, count: Int) throws(HostShardError) {
        guard count >= 1, (1...count).contains(index) else { throw HostShardError(text: "\(index)/\(count)") }
        self.index = index
        self.count = count
    }

    /// Reads `K/N`, e.g. `2/4`.
    public init(parsing text: String) throws(HostShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let count = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else { throw HostShardError(text: text) }
        do {
            try self.init(index: index, count: count)
        } catch {
            throw HostShardError(text: text)
        }
    }

    public var description: String { "\(index)/\(count)" }

    /// The hosts of this shard, in the order `hosts` has them.
    public func hosts(of hosts: [Host]) -> [Host] {
        let kept = Set(
            hosts.map(\.name).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated()
                .filter { $0.offset % count == index - 1 }.map(\.element))
        return hosts.filter { kept.contains($0.name) }
    }
}

/// A `--shard` that is not `K/N` with 1 ≤ K ≤ N.
public struct HostShardError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String

    public var description: String {
        "--shard \(text): expected K/N with 1 ≤ K ≤ N, e.g. --shard 2/4 for the second of four CI jobs"
    }
}
