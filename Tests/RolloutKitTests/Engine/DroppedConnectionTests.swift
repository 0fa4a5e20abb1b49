import RolloutKit
import TestSupport
import Testing

/// What the engine concludes when the connection drops while a step runs: the host's journal,
/// read over a new connection, says whether the step recorded its undo (it then changed the
/// host, or may have, and is undone); a step that records its undo first and left none changed
/// nothing; anything else is reported as unknown, for a human.
@Suite struct DroppedConnectionTests {
    static let steps = """
        steps:
          - probe: { id: a, log: "{{ log }}" }
          - probe: { id: b, log: "{{ log }}" }
          - probe: { id: c, log: "{{ log }}" }
        """

    @Test func aStepCutOffAfterItRanIsUndoneFromItsJournal() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("run b h1", .dropAfterRunning)
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run a h1", "run b h1", "undo b h1", "undo a h1"])
        #expect(summary.notUndone.isEmpty)
    }

    @Test func aStepCutOffBeforeItRanIsKnownToHaveChangedNothing() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("run b h1", .dropBeforeRunning)
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run a h1", "undo a h1"])
        #expect(summary.notUndone.isEmpty)
    }

    @Test func aStepThatRecordsItsUndoLateStaysUnknownAndNeedsAHuman() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("run b h1", .dropBeforeRunning)
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}", undo_recorded_late: true }
            """)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(summary.notUndone.map(\.step.name) == ["probe b"])
        #expect(harness.logLines == ["run a h1", "undo a h1"])
    }

    @Test func anUnreadableJournalLeavesTheCutOffStepUnknown() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("run b h1", .dropAfterRunning)
        harness.host("h1").on(
            where: { $0.script.hasPrefix("cat -- ") && $0.script.contains(".jsonl") }, .exit(1, stderr: "cat: journal: Input/output error"))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(summary.notUndone.map(\.step.name) == ["probe b"])
        // The steps the engine saw finish are still undone.
        #expect(harness.logLines.contains("undo a h1"))
    }

    @Test func aShellStepCutOffMayHaveChangedAnythingAndIsReportedUnknown() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("echo migrating", .dropAfterRunning)
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - shell: echo migrating
                register: out
            """)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(summary.notUndone.map(\.step.name) == ["shell: echo migrating"])
        #expect(harness.stepLines.contains("h1 shell: echo migrating: unknown"))
    }

    @Test func aDropInsideABatchOfShellStepsIsUnknownNotFailed() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("echo two", .dropAfterRunning)
        let summary = try await harness.run(
            """
            steps:
              - shell: echo one
              - shell: echo two
              - shell: echo three
            """)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(harness.stepLines.contains { $0.hasSuffix(": unknown") })
        #expect(!harness.stepLines.contains { $0.hasSuffix(": failed") })
    }

    @Test func aDropOnOneHostStopsTheRunAndUndoesTheOthers() async throws {
        let harness = try EngineHarness(hosts: 2)
        harness.host("h2").on("run b h2", .dropBeforeRunning)
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines.contains("undo b h1"))
        #expect(harness.logLines.contains("undo a h2"))
        #expect(!harness.logLines.contains { $0.hasPrefix("run c") })
    }

    @Test func theJournalIsReadOverTheConnectionAfterTheDrop() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("run b h1", .dropAfterRunning)
        _ = try await harness.run(Self.steps)
        let commands = harness.host("h1").commands.map(\.script)
        let drop = try #require(commands.firstIndex { $0.contains("run b h1") })
        #expect(commands[(drop + 1)...].contains { $0.contains("runs/") && $0.contains(".jsonl") })
    }
}
