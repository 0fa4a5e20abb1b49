import RolloutKit
import TestSupport
import Testing

/// What the engine undoes after a failure, and in which order.
@Suite struct UndoOrderTests {
    @Test func undoesEveryChangeNewestFirst() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}" }
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run a h1", "run b h1", "run c h1", "undo c h1", "undo b h1", "undo a h1"])
    }

    @Test func anUndoThatMustComeLastWaitsForTheOthers() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - probe: { id: restart, log: "{{ log }}", undo_last: true }
              - probe: { id: b, log: "{{ log }}" }
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(Array(harness.logLines.suffix(3)) == ["undo c h1", "undo b h1", "undo restart h1"])
    }

    @Test func readOnlyStepsAreNotUndone() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - probe: { id: look, log: "{{ log }}", read_only: true }
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(!harness.logLines.contains("undo look h1"))
        #expect(harness.logLines.contains("undo b h1"))
    }

    @Test func aStepThatFailedOnOneHostIsUndoneOnEveryHost() async throws {
        let harness = try EngineHarness(hosts: 3)
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}", fail_on: h2 }
              - probe: { id: c, log: "{{ log }}" }
            """)
        #expect(summary.exitCode == .restored)
        for host in harness.hostNames {
            #expect(harness.logLines.contains("undo a \(host)"))
            #expect(harness.logLines.contains("undo b \(host)"))
            #expect(!harness.logLines.contains("run c \(host)"))
        }
    }

    @Test func anUndoThatFailsLeavesTheOthersRunningAndNeedsAHuman() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}", undo_fails: true }
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(harness.logLines.suffix(3) == ["undo c h1", "undo b h1", "undo a h1"])
        #expect(summary.notUndone.map(\.step.name) == ["probe b"])
    }

    @Test func aSuccessfulRunUndoesNothing() async throws {
        let harness = try EngineHarness(hosts: 2)
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}" }
            """)
        #expect(summary.exitCode == .success)
        #expect(!harness.logLines.contains { $0.hasPrefix("undo") })
        #expect(summary.changed.count == 4)
    }

    @Test func aSkippedStepIsNotUndone() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
                when: "no"
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(!harness.logLines.contains("run a h1"))
        #expect(!harness.logLines.contains("undo a h1"))
    }

    @Test func anIgnoredFailureLetsTheRunGoOnAndUndoesNothing() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}", fail_on: h1 }
                ignore_failure: true
              - probe: { id: b, log: "{{ log }}" }
            """)
        #expect(summary.exitCode == .success)
        #expect(harness.logLines == ["run a h1", "run b h1"])
    }

    @Test func rollbackStepsRunAfterTheUndo() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            rollback:
              - probe: { id: notify, log: "{{ log }}", read_only: true }
            """)
        #expect(harness.logLines.suffix(3) == ["undo b h1", "undo a h1", "check notify h1"])
    }

    @Test func readOnlyChecksRunAgainOnTheRestoredState() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: health, log: "{{ log }}", read_only: true }
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run a h1", "check health h1", "run c h1", "undo c h1", "undo a h1", "check health h1"])
    }

    @Test func aCheckFailingOnTheRestoredStateNeedsAHuman() async throws {
        let harness = try EngineHarness()
        let broken = harness.root.appendingPathComponent("broken").path
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: health, log: "{{ log }}", read_only: true, fail_if: "\(broken)" }
              - shell: "touch \(broken); exit 1"
            """)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(harness.logLines == ["check health h1", "check health h1"])
    }
}

/// `undo:` on shell steps, `before_undo` rollback steps and the `always:` section.
@Suite struct RollbackSectionsTests {
    @Test func aShellStepWithUndoIsUndoneInTheUndoOrder() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - shell: "echo run seed h1 >> {{ log }}"
                undo: "echo undo seed h1 >> {{ log }}"
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run a h1", "run seed h1", "run c h1", "undo c h1", "undo seed h1", "undo a h1"])
    }

    @Test func aShellStepWithUndoCutOffBeforeItRanChangedNothing() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("echo run seed", .dropBeforeRunning)
        let summary = try await harness.run(
            """
            steps:
              - shell: "echo run seed h1 >> {{ log }}"
                undo: "echo undo seed h1 >> {{ log }}"
            """)
        #expect(summary.exitCode == .restored, "a shell step with undo: records it first, so the drop is settled")
        #expect(harness.logLines.isEmpty)
    }

    @Test func beforeUndoRollbackStepsRunBeforeTheUndoAndTheOthersAfter() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            rollback:
              - probe: { id: notify, log: "{{ log }}", read_only: true }
              - probe: { id: webhook-off, log: "{{ log }}", read_only: true }
                before_undo: true
            """)
        #expect(harness.logLines == ["run a h1", "run b h1", "check webhook-off h1", "undo b h1", "undo a h1", "check notify h1"])
    }

    @Test func alwaysStepsRunAfterSuccessAndAfterARollback() async throws {
        let harness = try EngineHarness()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}", fail_on: "{{ fail }}" }
            always:
              - probe: { id: cleanup, log: "{{ log }}", read_only: true }
            """
        let success = try await harness.run(body, overrides: ["fail": ""])
        #expect(success.exitCode == .success)
        #expect(harness.logLines == ["run a h1", "check cleanup h1"])
        let failure = try await harness.run(body, overrides: ["fail": "h1"])
        #expect(failure.exitCode == .restored)
        #expect(harness.logLines.suffix(3) == ["run a h1", "undo a h1", "check cleanup h1"])
    }

    @Test func aFailingAlwaysStepDoesNotChangeTheOutcome() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
            always:
              - probe: { id: cleanup, log: "{{ log }}", read_only: true, fail_on: h1 }
            """)
        #expect(summary.exitCode == .success)
        #expect(summary.failed.map(\.step.name) == ["always: probe cleanup"])
        #expect(harness.notices.contains { $0.contains("an always: step failed") })
    }

    @Test func rolloutRollbackStopsTrafficFirstToo() async throws {
        let harness = try EngineHarness()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
            rollback:
              - probe: { id: webhook-off, log: "{{ log }}", read_only: true }
                before_undo: true
            always:
              - probe: { id: webhook-on, log: "{{ log }}", read_only: true }
            """
        _ = try await harness.run(body)
        let summary = try await harness.rollback(body)
        #expect(summary.exitCode == .success)
        #expect(harness.logLines.suffix(3) == ["check webhook-off h1", "undo a h1", "check webhook-on h1"])
    }
}
