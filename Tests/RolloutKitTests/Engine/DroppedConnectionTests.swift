import Foundation
import RolloutKit
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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
            where: { $0.script.contains("after SIGKILL") && $0.script.contains(".jsonl") }, .exit(1, stderr: "cat: journal: Input/output error"))
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

/// A command the connection cut off while it ran is still running on the host (sshd died, the
/// shell did not): it is ended over a new connection before anything is undone, or, when that
/// cannot be done, nothing is undone on the host and the run says the command may still run.
@Suite struct CutOffCommandTests {
    static let steps = """
        steps:
          - probe: { id: a, log: "{{ log }}" }
          - shell:
              run: "echo $$ > {{ root }}/writer.pid; for i in $(seq 1 60); do echo x >> {{ root }}/out; sleep 0.05; done"
              undo: "echo undo writer >> {{ log }}"
        """

    @Test func aCommandCutOffWhileItRunsIsStoppedBeforeAnythingIsUndone() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("writer.pid", .dropWhileRunning(after: .milliseconds(600)))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run a h1", "undo writer", "undo a h1"])
        let commands = harness.host("h1").commands.map(\.script)
        let stop = try #require(commands.firstIndex { $0.contains("after SIGKILL") })
        let undo = try #require(commands.firstIndex { $0.contains("undo writer") })
        #expect(stop < undo)
        // The writer is gone and the file stops growing.
        let pid = try #require(
            Int32(
                try String(contentsOf: harness.root.appendingPathComponent("writer.pid"), encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        #expect(!ProcessTable.isRunning(pid))
        let out = harness.root.appendingPathComponent("out").path
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int
        try await Task.sleep(for: .milliseconds(300))
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int == size)
    }

    @Test func aCommandThatOutlivesSIGKILLLeavesEveryChangeInPlaceAndNeedsAHuman() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("writer.pid", .dropWhileRunning(after: .milliseconds(300)))
        harness.host("h1").on(
            where: { $0.script.contains("after SIGKILL") },
            .exit(RunJournal.stillRunningExitCode, stderr: "rollout: process group 4242 still runs after SIGKILL\n"))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(harness.logLines == ["run a h1"])
        #expect(summary.notUndone.count == 2)
        #expect(summary.notUndone.contains { $0.step.name == "probe a" })
        let notices = harness.events.compactMap { if case .notice(let text) = $0 { text } else { nil } }
        #expect(notices.contains { $0.contains("may still be running") && $0.contains("process group 4242 still runs after SIGKILL") })
        #expect(!harness.events.contains { if case .undoFinished = $0 { true } else { false } })
    }

    @Test func aHostThatCannotBeReachedAgainIsNotReportedRestored() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("writer.pid", .dropWhileRunning(after: .milliseconds(300)))
        harness.host("h1").on(where: { $0.script.contains("after SIGKILL") }, .dropBeforeRunning)
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(summary.notUndone.count == 2)
        let notices = harness.events.compactMap { if case .notice(let text) = $0 { text } else { nil } }
        #expect(notices.contains { $0.contains("may still be running: the host cannot be reached to stop it") })
        #expect(!harness.events.contains { if case .undoFinished = $0 { true } else { false } })
    }

    @Test func aStepThatEndsNormallyLeavesNoProcessGroupBehindToStop() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - shell: echo one
              - shell:
                  run: cat "$rollout_journal" >/dev/null && echo two
                  undo: "true"
            """)
        #expect(summary.exitCode == .success)
        let group = harness.root.appendingPathComponent("h1/state/runs")
        let files = try FileManager.default.contentsOfDirectory(atPath: group.path).filter { $0.hasSuffix(".pgid") }
        #expect(files.count == 1)
        #expect(try Data(contentsOf: group.appendingPathComponent(files[0])).isEmpty)
    }

    /// Shell steps sent as one batch share one process group: a batch cut off mid-step is ended
    /// whole before anything is undone.
    @Test func aBatchCutOffWhileItRunsIsStoppedWhole() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("writer.pid", .dropWhileRunning(after: .milliseconds(500)))
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - shell: echo one
              - shell: "echo $$ > {{ root }}/writer.pid; while :; do echo x >> {{ root }}/out; sleep 0.05; done"
              - shell: echo three
            """)
        let pidFile = harness.root.appendingPathComponent("writer.pid").path
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(-pid, SIGKILL) }
        // The shell steps have no undo: they are left for a human, but no longer running.
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(harness.logLines == ["run a h1", "undo a h1"])
        #expect(ProcessTable.members(ofGroup: pid).isEmpty, "part of the batch still runs")
    }

    /// GNU `timeout` puts itself in a process group of its own (to signal its command's group),
    /// so the step's session holds more than the step's group: every group of it is ended.
    @Test func aCommandUnderTimeoutCutOffWhileItRunsIsStoppedWithItsChild() async throws {
        let harness = try EngineHarness()
        harness.host("h1").on("child.pid", .dropWhileRunning(after: .milliseconds(600)))
        let pidFile = harness.root.appendingPathComponent("child.pid").path
        defer {
            if let pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") {
                kill(pid, SIGKILL)
            }
        }
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - shell:
                  run: "timeout 60 sh -c 'echo $$ > {{ root }}/child.pid; while :; do echo x >> {{ root }}/out; sleep 0.05; done'"
                  undo: "echo undo writer >> {{ log }}"
            """)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run a h1", "undo writer", "undo a h1"])
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!ProcessTable.isRunning(pid), "the command under timeout still runs")
        let out = harness.root.appendingPathComponent("out").path
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int
        try await Task.sleep(for: .milliseconds(300))
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int == size, "the file still grows")
    }

    /// Without `setsid` on the host the command cannot be started as a group of its own, so
    /// after a drop nothing tells its processes apart: nothing is undone, and the run says why.
    @Test func aHostWithoutSetsidCannotTellTheCutOffCommandApartAndSaysSo() async throws {
        let harness = try EngineHarness()
        // Builtins only (no PATH): a loop of about a second, cut off well before it ends.
        harness.host("h1").on("busy.pid", .dropWhileRunning(after: .milliseconds(100)))
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - shell:
                  run: "echo $$ > {{ root }}/busy.pid; i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done"
                  env: { PATH: /nonexistent }
            """)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(harness.logLines == ["run a h1"])
        let notices = harness.events.compactMap { if case .notice(let text) = $0 { text } else { nil } }
        #expect(notices.contains { $0.contains("may still be running") && $0.contains("no setsid") }, "\(notices)")
    }

    /// The run could not stop its cut-off command (the host was unreachable) and ended with
    /// everything in place; `rollout rollback` of it ends the command first, then undoes.
    @Test func aRollbackOfARunThatLeftItsCommandRunningStopsItFirst() async throws {
        let harness = try EngineHarness()
        let steps = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - shell:
                  run: "echo $$ > {{ root }}/writer.pid; while :; do echo x >> {{ root }}/out; sleep 0.05; done"
                  undo: "echo undo writer >> {{ log }}"
            """
        harness.host("h1").on("writer.pid", .dropWhileRunning(after: .milliseconds(300)))
        harness.host("h1").on(where: { $0.script.contains("after SIGKILL") }, .dropBeforeRunning)
        let pidFile = harness.root.appendingPathComponent("writer.pid").path
        // The writer never ends by itself (a busy machine could otherwise outlast it); it is
        // killed here whatever happens.
        defer {
            if let pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") {
                kill(-pid, SIGKILL)
            }
        }
        let first = try await harness.run(steps)
        #expect(first.exitCode == .rollbackIncomplete)
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(ProcessTable.isRunning(pid), "the writer should still run after a run that could not stop it")

        let rollback = try await harness.rollback(steps)
        #expect(rollback.exitCode == .success)
        #expect(!ProcessTable.isRunning(pid))
        #expect(harness.logLines == ["run a h1", "undo writer", "undo a h1"])
        let commands = harness.host("h1").commands.map(\.script)
        let stop = try #require(commands.lastIndex { $0.contains("after SIGKILL") })
        let undo = try #require(commands.firstIndex { $0.contains("undo writer") })
        #expect(stop < undo)
    }
}
