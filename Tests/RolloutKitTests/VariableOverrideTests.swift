import RolloutKit
import Testing

/// `--var NAME=VALUE`: a name nothing reads is refused, wherever a name may be read.
@Suite struct VariableOverrideTests {
    func load() throws -> LoadedPlaybook {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            vars:
              revision: v1
              unused_default: x
            steps:
              - shell: git checkout {{ revision }}
              - include: more.yml
              - check: checks.yml
              - shell: make
                when: "{{ when_only }} == yes"
            """,
            "more.yml": "- shell: echo {{ included_only }}\n",
            "checks.yml": "base_url: http://127.0.0.1\nchecks:\n  - request: GET /{{ suite_only }}\n",
            "inventory.yml": """
            environments:
              staging:
                vars: { url: "http://{{ inventory_only }}", declared_in_inventory: y }
                hosts:
                  web1: { address: local }

            """,
        ])
        let result = fixture.load(overrides: ["when_only": "yes", "included_only": "a", "suite_only": "b", "inventory_only": "c"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        return try #require(result.loaded)
    }

    @Test(arguments: [
        "revision", "unused_default", "when_only", "included_only", "suite_only", "inventory_only", "declared_in_inventory", "url",
    ])
    func aNameReadOrDeclaredAnywhereCanBeSet(name: String) throws {
        try load().checkOverrides([name])
    }

    @Test func aMisspeltNameIsRefusedWithTheNameMeant() throws {
        let loaded = try load()
        #expect(
            throws: UnknownOverrideError(name: "revison", playbook: "deploy.yml", isReserved: false, suggestion: "revision")
        ) { try loaded.checkOverrides(["revision", "revison"]) }
    }

    @Test func aReservedNameIsRefused() throws {
        let loaded = try load()
        #expect(throws: UnknownOverrideError.self) { try loaded.checkOverrides(["secrets"]) }
        let error = UnknownOverrideError(name: "secrets", playbook: "deploy.yml", isReserved: true)
        #expect(error.description.contains("'secrets' is reserved"))
    }
}
