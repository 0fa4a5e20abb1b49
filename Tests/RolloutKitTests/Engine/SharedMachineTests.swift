import Foundation
import RolloutKit
import TestSupport
import Testing

/// Inventory hosts that are one machine and login user share the state directory: one run's
/// hosts share its lock and keep a journal each, and the lock still keeps other runs out.
@Suite struct SharedMachineTests {
    static let shared = """
        steps:
          - probe: { id: a, log: "{{ log }}" }
          - probe: { id: b, log: "{{ log }}", fail_on: "{{ fail }}" }
        """

    @Test func tenHostsOnOneMachineRunTogether() async throws {
        let harness = try EngineHarness(hosts: 10, sharedStateDirectory: true)
        let summary = try await harness.run(Self.shared, overrides: ["fail": ""])
        #expect(summary.exitCode == .success, "\(harness.notices)")
        #expect(harness.logLines.filter { $0.hasPrefix("run b") }.count == 10)
        #expect(!harness.exists("state/lock"))
        let journals = try FileManager.default.contentsOfDirectory(atPath: harness.root.appendingPathComponent("state/runs").path)
        #expect(journals.filter { $0.hasSuffix(".jsonl") }.count == 10)
    }

    @Test func aFailureOnOneOfThemUndoesEachFromItsOwnJournal() async throws {
        let harness = try EngineHarness(hosts: 4, sharedStateDirectory: true)
        let summary = try await harness.run(Self.shared, overrides: ["fail": "h3"])
        #expect(summary.exitCode == .restored, "\(harness.notices)")
        for host in harness.hostNames {
            #expect(harness.logLines.filter { $0 == "undo a \(host)" }.count == 1)
        }
        #expect(!harness.exists("state/lock"))
    }

    @Test func anotherRunIsStillKeptOut() async throws {
        let harness = try EngineHarness(hosts: 2, sharedStateDirectory: true)
        let lock = harness.root.appendingPathComponent("state/lock")
        try FileManager.default.createDirectory(at: lock, withIntermediateDirectories: true)
        try Data(#"{"owner":"alice@laptop","run_id":"20260101T000000Z-aaaa","host":"h1","started_at":1767225600,"lease_expires":4102444800}"#.utf8)
            .write(to: lock.appendingPathComponent("owner.json"))
        let summary = try await harness.run(Self.shared, overrides: ["fail": ""])
        #expect(summary.exitCode == .lockHeld)
        #expect(harness.logLines.isEmpty)
        #expect(harness.exists("state/lock/owner.json"))
    }

    @Test func theLastHostToFinishRemovesTheLock() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shared-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let lock = DeployLock(stateDirectory: directory.path)
        let run = RunID.generate()
        for host in ["a", "b"] {
            let taken = try runLocal("/bin/sh", ["-c", lock.acquireScript(owner: "me", runID: run, host: host, lease: .seconds(60))])
            #expect(taken.contains(run.rawValue))
        }
        _ = try runLocal("/bin/sh", ["-c", lock.releaseScript(runID: run.rawValue, host: "a")])
        #expect(FileManager.default.fileExists(atPath: lock.lockDirectory))
        _ = try runLocal("/bin/sh", ["-c", lock.releaseScript(runID: run.rawValue, host: "b")])
        #expect(!FileManager.default.fileExists(atPath: lock.lockDirectory))
    }
}
