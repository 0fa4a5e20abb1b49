import RolloutKit
import TestSupport
import Testing

/// After a rollback the checks that ran are run again, judged against the release the rollback
/// put back, so that a complete rollback says so (exit 1) instead of "ROLLBACK INCOMPLETE".
@Suite struct RestoredChecksTests {
    /// `a` moves the host to release `new` and registers it; the check expects what `a`
    /// registered; `b` fails, so `a` is undone and the check runs again.
    static func playbook(checkOptions: String = "") -> String {
        """
        steps:
          - probe: { id: a, log: "{{ log }}" }
            register: a
          - probe: { id: c, log: "{{ log }}", read_only: true, expect_state: "{{ a.state }}" }\(checkOptions)
          - probe: { id: b, log: "{{ log }}", fail_on: h1 }
        """
    }

    @Test func aCheckExpectingTheNewReleaseIsJudgedAgainstTheRestoredOne() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(Self.playbook())
        #expect(harness.logLines == ["run a h1", "check c h1", "run b h1", "undo b h1", "undo a h1", "check c h1"])
        #expect(summary.exitCode == .restored, "a complete rollback exits 1: \(harness.notices)")
        #expect(summary.notUndone.isEmpty)
        #expect(harness.finalStatus == .rolledBack)
    }

    @Test func aCheckOfWhatOnlyTheNewReleaseHasCanStayOutOfTheRestoredChecks() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: c, log: "{{ log }}", read_only: true, expect_state: new }
                verify_after_rollback: false
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(harness.logLines == ["run a h1", "check c h1", "run b h1", "undo b h1", "undo a h1"])
        #expect(summary.exitCode == .restored)
    }

    /// Without the marker, a check that fails on the restored release still makes the
    /// rollback incomplete: the engine never hides a failing check.
    @Test func aCheckThatFailsOnTheRestoredReleaseLeavesTheRollbackIncomplete() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: c, log: "{{ log }}", read_only: true, expect_state: new }
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(harness.logLines.last == "check c h1")
        #expect(summary.exitCode == .rollbackIncomplete)
    }
}
