import RolloutKit
import Testing

/// `--limit`: which hosts of an environment a command covers.
@Suite struct HostLimitTests {
    func production() throws -> Inventory.Environment {
        let (result, _) = try PlaybookFixture.steps("  - shell: make")
        return try #require(result.loaded?.inventory?.environment("production"))
    }

    @Test func noLimitKeepsEveryHost() throws {
        #expect(try production().hosts(limitedTo: []).map(\.name) == ["app1", "app2"])
    }

    @Test func hostsAndGroupsCommaSeparatedKeepTheirHostsInInventoryOrder() throws {
        #expect(try production().hosts(limitedTo: ["app2,db"]).map(\.name) == ["app1", "app2"])
        #expect(try production().hosts(limitedTo: ["app2"]).map(\.name) == ["app2"])
    }

    @Test func anUnknownNameIsRefusedWithASuggestion() throws {
        #expect(throws: HostLimitError.unknown(selector: "ap1", environment: "production", suggestion: "app1")) {
            try production().hosts(limitedTo: ["ap1"])
        }
    }

    /// `--limit "$HOSTS"` with HOSTS unset must not deploy everywhere.
    @Test(arguments: [[""], [","], [" , "], ["", ""]])
    func aLimitNamingNothingIsRefused(selectors: [String]) throws {
        let environment = try production()
        #expect(throws: HostLimitError.namesNothing(written: selectors.joined(separator: ","))) {
            try environment.hosts(limitedTo: selectors)
        }
        let message = "\(HostLimitError.namesNothing(written: ""))"
        #expect(message.contains("names no host or group"))
    }
}
