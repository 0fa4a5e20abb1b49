import Foundation
import RolloutKit
import Testing

/// Files written to hurt the loader (CI lints playbooks from pull requests) are refused with a
/// positioned diagnostic, in bounded time and memory.
@Suite struct HostileInputTests {
    /// Ten levels of ten aliases to the level below, in `vars:`: 10^10 nodes from 400 bytes.
    /// Before the bound, `rollout lint` took 4.7 GB and more than 20 s on it.
    @Test func aliasBombIsRefusedAtTheAliasThatCrossesTheBound() throws {
        var lines = ["name: bomb", "inventory: inventory.yml", "vars:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            var aliases = Array(repeating: "*l\(level - 1)", count: 10)
            // l1…l3 bring in 12,330 nodes; the eighth alias of l4 (11,111 each) crosses 100,000.
            if level == 4 { aliases[7] = "1️⃣" + aliases[7] }
            lines.append("  l\(level): &l\(level) [" + aliases.joined(separator: ", ") + "]")
        }
        lines += ["steps:", "  - shell: echo {{ l9 }}", ""]
        let fixture = try PlaybookFixture(["deploy.yml": lines.joined(separator: "\n"), "inventory.yml": PlaybookFixture.inventory])

        let diagnostics = fixture.lint(["deploy.yml"])

        #expect(diagnostics.errors.count == 1)
        let diagnostic = try #require(diagnostics.first(containing: "alias"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.message.contains("*l3 brings in 11111 nodes"))
        #expect(diagnostic.message.contains("at most 100000"))
    }

    /// Anchors and merge keys as playbooks really use them stay well inside the bound.
    @Test func ordinaryAliasesStillLoad() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            vars:
              db: &db { database: app, user: app }
            steps:
              - backup_database: { <<: *db, keep: 3 }
              - restore_database: *db

            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        #expect(!fixture.load(lenient: true).diagnostics.hasErrors)
    }

    @Test func deepNestingIsRefusedWhereItCrossesTheBound() throws {
        let open = String(repeating: "[", count: 62)
        let fixture = try PlaybookFixture([
            "deploy.yml": "name: deep\ninventory: inventory.yml\nvars:\n  x: \(open)1️⃣[" + String(repeating: "[", count: 10_000) + "\nsteps: []\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let diagnostics = fixture.lint(["deploy.yml"])
        #expect(diagnostics.errors.count == 1)
        let diagnostic = try #require(diagnostics.first(containing: "nest more than 64 levels"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func oversizedFileIsRefusedUnread() throws {
        let fixture = try PlaybookFixture(["deploy.yml": "name: big\n# " + String(repeating: "x", count: 5 << 20) + "\n"])
        let diagnostics = fixture.lint(["deploy.yml"])
        let diagnostic = try #require(diagnostics.first(containing: "rollout reads YAML files of at most 4194304 bytes"))
        #expect(diagnostic.location == FileLocation(file: "deploy.yml", line: 1, column: 1))
    }

    /// `inventory: /dev/zero` would be read forever.
    @Test func inventoryThatIsNotARegularFileIsRefused() throws {
        let fixture = try PlaybookFixture(["deploy.yml": "name: zero\n1️⃣inventory: /dev/zero\nsteps:\n  - shell: true\n"])
        let diagnostics = fixture.lint(["deploy.yml"])
        let diagnostic = try #require(diagnostics.first(containing: "'/dev/zero' is not a regular file"))
        #expect(diagnostic.location.line == fixture["1️⃣"].line)
    }

    @Test func secretFileThatIsNotARegularFileIsRefused() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": "name: zero\ninventory: inventory.yml\nsecrets:\n  key: { file: /dev/zero }\nsteps:\n  - shell: true\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let diagnostics = fixture.lint(["deploy.yml"])
        #expect(diagnostics.first(containing: "/dev/zero is not a regular file") != nil)
    }

    /// Ten files each including the next ten times would make 10^10 steps.
    @Test func includeBombIsRefused() throws {
        var files = ["inventory.yml": PlaybookFixture.inventory]
        files["deploy.yml"] = "name: bomb\ninventory: inventory.yml\nsteps:\n" + String(repeating: "  - include: i1.yml\n", count: 10)
        for level in 1...9 {
            files["i\(level).yml"] = String(repeating: "- include: i\(level + 1).yml\n", count: 10)
        }
        files["i10.yml"] = "- shell: echo hi\n"
        let fixture = try PlaybookFixture(files)
        let diagnostics = fixture.lint(["deploy.yml"])
        #expect(diagnostics.first(containing: "more than 1000 includes in all") != nil)
    }
}
