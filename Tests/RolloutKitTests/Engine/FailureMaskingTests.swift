import Foundation
import RolloutKit
import TestSupport
import Testing

/// A failure message quotes what a command printed, cut to one line and shortened: the secrets
/// in it are masked before that, so a secret with a tab, a newline or two spaces in it, or one
/// the cut splits, shows as `***` and not in part.
@Suite struct FailureMaskingTests {
    static let secrets = [
        "tab": "tab\tsecret-A1",
        "newline": "line-one-secret\nline-two-secret",
        "spaces": "two  spaces-secret",
        "long": "straddle-secret-0123456789",
    ]

    /// What the console shows of a run of `steps`, as `rollout run` prints it.
    func console(_ steps: String, scripting: (ScriptedTransport) -> Void = { _ in }) async throws -> String {
        let harness = try EngineHarness()
        var declarations = "secrets:\n"
        for (name, value) in Self.secrets {
            let file = harness.root.appendingPathComponent("secret-\(name)")
            try Data(value.utf8).write(to: file)
            declarations += "  \(name): { file: \"\(file.path)\" }\n"
        }
        scripting(harness.host("h1"))
        _ = try await harness.run(declarations + "steps:\n" + steps)
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(sink: buffer, masker: SecretMasker(secrets: Self.secrets.values), style: .plain)
        for event in harness.events { reporter.handle(event) }
        return buffer.text
    }

    /// The parts of the secrets that give them away once they are reformatted or cut.
    func expectNoSecret(in text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for part in ["secret-A1", "line-one-secret", "line-two-secret", "spaces-secret", "straddle"] {
            #expect(!text.contains(part), "\(part) in:\n\(text)", sourceLocation: sourceLocation)
        }
    }

    /// The last line of stderr, the first 300 characters of it, and the last 20 lines of output.
    @Test func aCommandsOutputIsMaskedBeforeItIsCut() async throws {
        let text = try await console(
            """
              - name: Newline
                shell: "printf 'denied: %s\\\\n' '{{ secrets.newline }}' >&2; exit 1"
                ignore_failure: true
              - name: Straddle
                shell: "printf '%0290d%s\\\\n' 0 '{{ secrets.long }}' >&2; exit 1"
                ignore_failure: true
              - name: Tail
                shell: "printf '%s\\\\n' '{{ secrets.newline }}'; seq 18; exit 1"
                ignore_failure: true
            """)
        expectNoSecret(in: text)
        #expect(text.contains("exited with status 1: denied: ***"), "\(text)")
        #expect(text.contains("exited with status 1: " + String(repeating: "0", count: 290) + "***"), "\(text)")
    }

    @Test func psqlErrorsAndValuesAreMaskedBeforeTheyAreJoinedAndCut() async throws {
        let long = String(repeating: "x", count: 480)
        let text = try await console(
            """
              - name: Spaces
                sql: { query: "select 1", database: app }
                ignore_failure: true
              - name: Newline
                sql: { query: "select 2", database: app }
                ignore_failure: true
              - name: Straddle
                sql: { query: "select 3", database: app }
                ignore_failure: true
              - name: Tab
                sql: { query: "select 4", database: app, expect: { value: "0" } }
                ignore_failure: true
            """
        ) { host in
            host.on("psql", .exit(3, stderr: "psql:<stdin>:1: ERROR:  bad password \(Self.secrets["spaces"]!)\n"))
            host.on("psql", .exit(3, stderr: "psql:<stdin>:1: ERROR:  bad password \(Self.secrets["newline"]!)\n"))
            host.on("psql", .exit(3, stderr: "psql:<stdin>:1: ERROR:  \(long) \(Self.secrets["long"]!)\n"))
            host.on("psql", .exit(0, stdout: Self.secrets["tab"]! + "\u{0}"))
        }
        expectNoSecret(in: text)
        #expect(text.contains("failed on app: ERROR: bad password ***"), "\(text)")
        #expect(text.contains("failed on app: ERROR: \(long) ***"), "\(text)")
        #expect(text.contains(#"returned "***"; expected "0""#), "\(text)")
    }
}
