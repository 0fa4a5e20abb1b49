import RolloutKit
import Testing

/// `--shard K/N`: every host in exactly one shard, the same split in every CI job whatever the
/// inventory's order, and shards that differ by at most one host.
struct HostShardTests {
    func hosts(_ names: [String]) -> [Host] {
        names.map { Host(name: $0, address: "127.0.0.1", location: FileLocation(file: "inventory.yml", line: 1, column: 1)) }
    }

    @Test func everyHostLandsInExactlyOneShardOfNearlyEqualSize() throws {
        let fleet = hosts((1...23).map { "web\($0)" })
        for count in 1...7 {
            let shards = try (1...count).map { try HostShard(index: $0, count: count).hosts(of: fleet).map(\.name) }
            #expect(shards.flatMap { $0 }.sorted() == fleet.map(\.name).sorted(), "\(count) shards")
            #expect(Set(shards.flatMap { $0 }).count == fleet.count, "no host in two shards of \(count)")
            let sizes = shards.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1, "\(count) shards: \(sizes)")
        }
    }

    @Test func theSplitDependsOnTheNamesNotOnTheInventorysOrder() throws {
        let names = ["db1", "app3", "app1", "cache", "app2"]
        let shard = try HostShard(parsing: "2/2")
        let forward = shard.hosts(of: hosts(names)).map(\.name)
        let backward = shard.hosts(of: hosts(names.reversed())).map(\.name)
        #expect(Set(forward) == Set(backward))
        // Sorted: app1 app2 app3 cache db1; the second of two takes app2 and cache, listed in the inventory's order.
        #expect(forward == ["cache", "app2"])
    }

    @Test func aShardBeyondTheHostsIsEmpty() throws {
        #expect(try HostShard(parsing: "3/3").hosts(of: hosts(["a", "b"])).isEmpty)
    }

    @Test(arguments: ["0/2", "3/2", "1/0", "2", "1/2/3", "a/b", "", "-1/2"])
    func aShardThatIsNotKOfNIsRefusedWithAnExample(text: String) {
        let error = #expect(throws: HostShardError.self) { try HostShard(parsing: text) }
        #expect(error?.description == "--shard \(text): expected K/N with 1 ≤ K ≤ N, e.g. --shard 2/4 for the second of four CI jobs")
    }
}
