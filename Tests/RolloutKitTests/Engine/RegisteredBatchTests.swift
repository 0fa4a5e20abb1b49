import Foundation
import RolloutKit
import TestSupport
import Testing

/// Steps that register their results still go to a host as one command, and what they
/// registered is there for the steps after them.
@Suite struct RegisteredBatchTests {
    /// The commands that ran steps on `h1` (not the lock's, not the run's end).
    static func stepCommands(_ harness: EngineHarness) -> [String] {
        harness.host("h1").commands.map(\.script).filter { $0.hasPrefix("rollout_run ") }
    }

    @Test func stepsThatRegisterGoAsOneBatchAndTheNextStepReadsTheirResults() async throws {
        let harness = try EngineHarness()
        let out = harness.root.appendingPathComponent("out").path
        let summary = try await harness.run(
            """
            steps:
              - shell: "echo one"
                register: first
              - shell: "echo two; exit 3"
                register: second
                ignore_failure: true
              - shell: "echo three"
                register: third
              - shell: "echo '{{ first.stdout }} {{ second.exit_code }} {{ third.stdout }}' > \(out)"
            """)
        #expect(summary.exitCode == .success)
        #expect(Self.stepCommands(harness).count == 2, "\(Self.stepCommands(harness))")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "one 3 three\n")
    }

    /// The host does not time the steps of a batch, so a step whose `duration_ms` is read
    /// gets a command, and a duration, of its own; the steps around it still batch.
    @Test func aStepWhoseDurationIsReadGoesAlone() async throws {
        let harness = try EngineHarness()
        let out = harness.root.appendingPathComponent("out").path
        let summary = try await harness.run(
            """
            steps:
              - shell: "true"
              - shell: "sleep 0.2"
                register: slow
              - shell: "true"
              - shell: "echo {{ slow.duration_ms }} > \(out)"
            """)
        #expect(summary.exitCode == .success)
        let commands = Self.stepCommands(harness)
        #expect(commands.count == 3, "\(commands)")
        #expect(commands.contains { $0.contains("sleep 0.2") && !$0.contains("rollout_step ") }, "\(commands)")
        let milliseconds = try #require(Int(try String(contentsOfFile: out, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(milliseconds >= 200)
    }
}
