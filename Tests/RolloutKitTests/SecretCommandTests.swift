import Foundation
import RolloutKit
import Testing

/// `secrets: { name: { command: "…" } }`: run on this machine once per run, the value never in
/// a message; and the warning for secrets too short to mask safely.
@Suite struct SecretCommandTests {
    private func fixture(_ secrets: String) throws -> PlaybookFixture {
        try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            secrets:
            \(secrets)
            steps:
              - shell: echo "{{ secrets.api_key }}" > /dev/null
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
    }

    @Test func aCommandsOutputIsTheSecretAndTheCommandRunsOncePerRun() throws {
        let counter = FileManager.default.temporaryDirectory.appendingPathComponent("secret-command-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: counter) }
        // A fake key, printed in two parts so that no live-key pattern stands in the sources.
        let fakeKey = "sk_" + "live_fromVault42"
        let command = "echo run >> \(counter.path); printf 'sk_%s\\n' live_fromVault42"
        let fixture = try self.fixture(
            """
              api_key: { command: "\(command)" }
              same_again: { command: "\(command)" }
            """)
        let resolver = SecretResolver(environment: [:], homeDirectory: fixture.directory.path)
        let result = PlaybookLoader(environmentName: "production", resolver: resolver).load(fixture.url("deploy.yml"), name: "deploy.yml")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        #expect(result.secrets["api_key"]?.revealedForTransport == fakeKey)
        #expect(result.secrets["same_again"]?.revealedForTransport == fakeKey)
        // A second load with the same resolver (a suite's secrets, say) runs nothing again.
        _ = PlaybookLoader(environmentName: "production", resolver: resolver).load(fixture.url("deploy.yml"), name: "deploy.yml")
        #expect(try String(contentsOf: counter, encoding: .utf8) == "run\n")
    }

    @Test func aFailingCommandIsReportedAtItsDeclarationWithoutWhatItPrinted() throws {
        let fixture = try fixture(
            """
              api_key: 1️⃣{ command: "printf 'half-%s' printed-value; echo 'vault: permission denied' >&2; exit 3" }
            """)
        let result = fixture.load(environment: "production")
        let diagnostic = try #require(
            result.diagnostics.first(containing: "secret 'api_key': the command exited with status 3: vault: permission denied"))
        #expect(diagnostic.location.line == fixture["1️⃣"].line)
        #expect(!result.diagnostics.rendered().contains("half-printed-value"))
    }

    @Test func aCommandThatPrintsNothingIsAnError() throws {
        let fixture = try fixture(
            """
              api_key: { command: "true" }
            """)
        let result = fixture.load(environment: "production")
        #expect(
            result.diagnostics.first(containing: "secret 'api_key': the command printed nothing on stdout") != nil,
            "\(result.diagnostics.rendered())")
    }

    @Test func aMisspeltSourceSuggestsCommand() throws {
        let fixture = try fixture(
            """
              api_key: { 1️⃣comand: "op read op://ops/api/key" }
            """)
        let result = fixture.load(environment: "production")
        let diagnostic = try #require(result.diagnostics.first(containing: "unknown key 'comand'"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.suggestion == "command")
    }

    @Test func aSecretShorterThanSixCharactersIsWarnedAbout() throws {
        let fixture = try fixture(
            """
              api_key: { env: SHORT_KEY }
            """)
        let result = fixture.load(environment: "production", env: ["SHORT_KEY": "test"])
        let diagnostic = try #require(result.diagnostics.first(containing: "secret 'api_key' is only 4 characters long"))
        #expect(diagnostic.severity == .warning)
        #expect(!result.diagnostics.hasErrors)
        let long = fixture.load(environment: "production", env: ["SHORT_KEY": "long-enough"])
        #expect(long.diagnostics.first(containing: "characters long") == nil)
    }

    @Test func anEmptyCommandIsReportedAtIt() throws {
        let fixture = try fixture(
            """
              api_key: { command: 1️⃣"  " }
            """)
        let result = fixture.load(environment: "production")
        let diagnostic = try #require(result.diagnostics.first(containing: "secret 'api_key': 'command' is empty"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    /// A vault CLI that fails may echo secrets on stderr: those other declarations read
    /// (before it, after it, or in a file loaded earlier in the run) and its own stdout, across
    /// lines. The line the message quotes has them all masked, for `run` and for `lint`.
    @Test func aFailingCommandsLineIsMaskedWithEverySecretRead() throws {
        let env = ["API_KEY": "api-secret-value1", "LATER_KEY": "later-secret-value2"]
        let fixture = try fixture(
            """
              api_key: { env: API_KEY }
              echoing: { command: 'echo "token $API_KEY and $LATER_KEY denied" >&2; exit 3' }
              multiline: { command: 'printf ''out-line-one\\nout-line-two\\n''; printf ''out-line-one\\nout-line-two\\n'' >&2; exit 4' }
              later: { env: LATER_KEY }
            """)
        for diagnostics in [fixture.load(environment: "production", env: env).diagnostics, fixture.lint(["deploy.yml"], env: env)] {
            let rendered = diagnostics.rendered()
            #expect(
                diagnostics.first(containing: "secret 'echoing': the command exited with status 3: token *** and *** denied") != nil, "\(rendered)")
            #expect(diagnostics.first(containing: "secret 'multiline': the command exited with status 4: ***") != nil, "\(rendered)")
            let messages = diagnostics.all.map(\.message).joined(separator: "\n")
            for value in ["secret-value", "out-line"] { #expect(!messages.contains(value), "\(messages)") }
        }

        let suite = try PlaybookFixture([
            "deploy.yml": """
            name: suite
            inventory: inventory.yml
            secrets:
              other: { command: 'echo "rejected $API_KEY" >&2; exit 5' }
            steps:
              - shell: "true"
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let resolver = SecretResolver(environment: env, homeDirectory: fixture.directory.path)
        _ = PlaybookLoader(environmentName: "production", resolver: resolver).load(fixture.url("deploy.yml"), name: "deploy.yml")
        let later = PlaybookLoader(environmentName: "production", resolver: resolver).load(suite.url("deploy.yml"), name: "deploy.yml")
        #expect(
            later.diagnostics.first(containing: "secret 'other': the command exited with status 5: rejected ***") != nil,
            "\(later.diagnostics.rendered())")
    }
}
