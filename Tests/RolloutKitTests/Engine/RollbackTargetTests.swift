import Foundation
import RolloutKit
import TestSupport
import Testing

/// Which run `rollout rollback` undoes when none is named, and when it may say it is done.
@Suite struct RollbackTargetTests {
    static let deploy = """
        steps:
          - probe: { id: "{{ id }}", log: "{{ log }}" }
        """

    @Test func aRollbackUndoesTheLastRunAndThenTheOneBeforeIt() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.deploy, overrides: ["id": "first"])
        let first = try #require(try harness.runIDs(in: "h1/state/runs").first)
        _ = try await harness.run(Self.deploy, overrides: ["id": "second"])
        let second = try #require(try harness.runIDs(in: "h1/state/runs").first { $0 != first })
        let once = try await harness.rollback(Self.deploy, overrides: ["id": "x"])
        #expect(once.exitCode == .success)
        #expect(once.rolledBackRun == second)
        #expect(harness.logLines.last == "undo second h1")
        // The first rollback's own record and the run it undid are passed over.
        let twice = try await harness.rollback(Self.deploy, overrides: ["id": "x"])
        #expect(twice.exitCode == .success)
        #expect(harness.logLines.last == "undo first h1")
        #expect(twice.rolledBackRun == first)
    }

    @Test func aRunWhoseRunnerWasKilledIsOffered() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.deploy, overrides: ["id": "killed"])
        // What a killed runner leaves: no end in the journal, the lock still there (cleared
        // by a human with rollout unlock before the rollback).
        let runs = harness.root.appendingPathComponent("h1/state/runs")
        let journal = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first { $0.hasSuffix(".jsonl") })
        let url = runs.appendingPathComponent(journal)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.contains("run_finished") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        let summary = try await harness.rollback(Self.deploy, overrides: ["id": "x"])
        #expect(summary.exitCode == .success)
        #expect(harness.logLines.last == "undo killed h1")
    }

    @Test func aRunRolledBackByItsOwnFailureIsNotOfferedAgain() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.deploy, overrides: ["id": "kept"])
        _ = try await harness.run(Self.deploy + "\n  - probe: { id: fails, log: \"{{ log }}\", fail_on: h1 }", overrides: ["id": "undone"])
        let summary = try await harness.rollback(Self.deploy, overrides: ["id": "x"])
        #expect(summary.exitCode == .success)
        #expect(harness.logLines.last == "undo kept h1")
    }

    @Test func aStepThePlaybookNoLongerHasLeavesTheRollbackIncompleteAndTheRunOffered() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.deploy + "\n  - probe: { id: b, log: \"{{ log }}\" }", overrides: ["id": "a"])
        let changed = Self.deploy + "\n  - shell: \"true\""
        let summary = try await harness.rollback(changed, overrides: ["id": "a"])
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(summary.notUndone.map(\.step.name) == ["probe b"])
        // Not marked rolled back: with the playbook as it was, the run is still offered.
        let again = try await harness.rollback(Self.deploy + "\n  - probe: { id: b, log: \"{{ log }}\" }", overrides: ["id": "a"])
        #expect(again.exitCode == .success)
        #expect(harness.logLines.suffix(2) == ["undo b h1", "undo a h1"])
    }

    @Test func aRollbackFindingTheLockHeldExits4() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.deploy, overrides: ["id": "a"])
        let lock = harness.root.appendingPathComponent("h1/state/lock")
        try FileManager.default.createDirectory(at: lock, withIntermediateDirectories: true)
        try Data(#"{"owner":"bob@ci","run_id":"20260101T000000Z-bbbb","host":"h1","started_at":1767225600,"lease_expires":4102444800}"#.utf8)
            .write(to: lock.appendingPathComponent("owner.json"))
        let summary = try await harness.rollback(Self.deploy, overrides: ["id": "a"])
        #expect(summary.exitCode == .lockHeld)
        #expect(!harness.logLines.contains("undo a h1"))
    }

    @Test func eachHostOfOneMachineUndoesItsOwnRecord() async throws {
        let harness = try EngineHarness(hosts: 3, sharedStateDirectory: true)
        _ = try await harness.run(Self.deploy, overrides: ["id": "a"])
        let summary = try await harness.rollback(Self.deploy, overrides: ["id": "a"])
        #expect(summary.exitCode == .success)
        #expect(harness.logLines.filter { $0.hasPrefix("undo") }.sorted() == ["undo a h1", "undo a h2", "undo a h3"])
    }
}

/// `rollout rollback --run ID` of a run whose changes were undone already.
@Suite struct RollbackOfUndoneRunTests {
    @Test func aRunUndoneByARollbackIsNotUndoneAgainWhenNamed() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(RollbackTargetTests.deploy, overrides: ["id": "first"])
        let first = try #require(try harness.runIDs(in: "h1/state/runs").first)
        _ = try await harness.rollback(RollbackTargetTests.deploy, overrides: ["id": "x"])
        #expect(harness.logLines.filter { $0 == "undo first h1" }.count == 1)
        let plans = try await harness.rollbackPlans(RollbackTargetTests.deploy, runID: first, overrides: ["id": "x"]).plans
        #expect(plans.map(\.target) == [nil])
        #expect(plans.first?.alreadyUndone?.hasPrefix("was undone by rollback ") == true)
        let again = try await harness.rollback(RollbackTargetTests.deploy, runID: first, overrides: ["id": "x"])
        #expect(again.exitCode == .success)
        #expect(harness.logLines.filter { $0 == "undo first h1" }.count == 1)
    }

    @Test func aRunThatRolledItselfBackIsNotUndoneAgainWhenNamed() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            RollbackTargetTests.deploy + "\n  - probe: { id: fails, log: \"{{ log }}\", fail_on: h1 }", overrides: ["id": "undone"])
        let failed = try #require(try harness.runIDs(in: "h1/state/runs").first)
        #expect(harness.logLines.filter { $0 == "undo undone h1" }.count == 1)
        let plans = try await harness.rollbackPlans(RollbackTargetTests.deploy, runID: failed, overrides: ["id": "x"]).plans
        #expect(plans.first?.alreadyUndone == "was rolled back already")
        _ = try await harness.rollback(RollbackTargetTests.deploy, runID: failed, overrides: ["id": "x"])
        #expect(harness.logLines.filter { $0 == "undo undone h1" }.count == 1)
    }
}
