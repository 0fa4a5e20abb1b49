import Foundation
import RolloutKit
import TestSupport
import Testing

/// Before any step: every host connected and locked, or nothing happens anywhere.
@Suite struct PreparationTests {
    static let steps = """
        steps:
          - probe: { id: a, log: "{{ log }}" }
        """

    @Test func aLockHeldByAnotherRunStopsTheRunBeforeAnyStep() async throws {
        let harness = try EngineHarness(hosts: 2)
        let lock = harness.root.appendingPathComponent("h2/state/lock")
        try FileManager.default.createDirectory(at: lock, withIntermediateDirectories: true)
        try Data(#"{"owner":"alice@laptop","run_id":"20260101T000000Z-aaaa","host":"h2","started_at":1767225600,"lease_expires":4102444800}"#.utf8)
            .write(to: lock.appendingPathComponent("owner.json"))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .lockHeld)
        #expect(harness.logLines.isEmpty)
        #expect(!harness.exists("h1/state/lock"))
        #expect(harness.notices.contains { $0.contains("alice@laptop") })
    }

    @Test func anUnreachableHostStopsTheRunBeforeAnyStep() async throws {
        let harness = try EngineHarness(hosts: 2)
        harness.host("h2").on("mkdir", .dropBeforeRunning)
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .connectionFailed)
        #expect(harness.logLines.isEmpty)
        #expect(!harness.exists("h1/state/lock"))
        #expect(harness.notices.contains { $0.contains("nothing was changed on any host") })
    }

    @Test func checkModeTakesNoLockAndChangesNothing() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(Self.steps) { $0.check = true }
        #expect(summary.exitCode == .success)
        #expect(harness.logLines.isEmpty)
        #expect(!harness.host("h1").commands.contains { $0.script.contains("mkdir") && $0.script.contains("lock") })
    }

    @Test func aPlanWhoseCheckFailsEndsFailedNotRolledBack() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            """
        ) { $0.check = true }
        #expect(summary.exitCode == .restored)
        #expect(harness.finalStatus == .failed, "a plan restores nothing, so it never ends rolled back")
        #expect(harness.logLines.isEmpty, "nothing ran")
    }

    @Test func limitRunsOnTheNamedHostsOnly() async throws {
        let harness = try EngineHarness(hosts: 3)
        _ = try await harness.run(Self.steps) { $0.limit = ["h2"] }
        #expect(harness.logLines == ["run a h2"])
        #expect(harness.host("h1").commands.isEmpty)
    }

    @Test func everyConnectionIsClosedAtTheEnd() async throws {
        let harness = try EngineHarness(hosts: 3)
        _ = try await harness.run(Self.steps)
        for host in harness.hostNames { #expect(harness.host(host).closes >= 1) }
    }

    @Test func aSuccessfulRunLeavesItsRecordOnEachHost() async throws {
        let harness = try EngineHarness(hosts: 2)
        _ = try await harness.run(Self.steps)
        for host in harness.hostNames {
            let runs = harness.root.appendingPathComponent("\(host)/state/runs")
            let names = try FileManager.default.contentsOfDirectory(atPath: runs.path)
            let journal = try #require(names.first { $0.hasSuffix(".jsonl") })
            let text = try String(contentsOf: runs.appendingPathComponent(journal), encoding: .utf8)
            #expect(text.contains(#""status":"succeeded""#))
            #expect(text.contains(#""key":"probe","value":"a""#))
        }
    }

    @Test func consecutiveShellStepsShareOneCommand() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - shell: echo one
              - shell: echo two
              - shell: echo three
            """)
        let carrying = harness.host("h1").commands.filter { $0.script.contains("echo one") }
        #expect(carrying.count == 1)
        #expect(carrying.first?.script.contains("echo three") == true)
        #expect(harness.stepLines == ["h1 shell: echo one: changed", "h1 shell: echo two: changed", "h1 shell: echo three: changed"])
    }

    @Test func aRegisteredStepIsNotBatchedAndItsResultIsReadable() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - shell: echo ready
                register: first
              - probe: { id: a, log: "{{ log }}" }
                when: "{{ first.stdout }} == ready"
              - probe: { id: b, log: "{{ log }}" }
                when: "{{ first.stdout }} == other"
            """)
        #expect(harness.logLines == ["run a h1"])
    }
}
