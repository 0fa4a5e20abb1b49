import Foundation
import RolloutKit
import TestSupport
import Testing

/// The deploy lock's lease: renewed inside step commands (no extra round trip) once a quarter
/// of it has passed, and a lost lock stops the run before its next change.
@Suite struct LeaseTests {
    /// How a command that renews the lease starts: the guard that writes the new expiry.
    static let renewal = "rollout_run rollout_renew "

    static func steps(_ count: Int) -> String {
        "steps:\n" + (1...count).map { "  - probe: { id: s\($0), log: \"{{ log }}\" }" }.joined(separator: "\n")
    }

    @Test func stepsSoonAfterTheLockCarryNoRenewal() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.steps(3))
        #expect(!harness.host("h1").commands.contains { $0.script.contains(Self.renewal) })
    }

    @Test func aStepAfterAQuarterOfTheLeaseRenewsItInItsOwnCommand() async throws {
        let harness = try EngineHarness()
        let clock = harness.clock
        harness.host("h1").on("run s1 h1", .before { clock.advance(by: .seconds(151)) })
        _ = try await harness.run(Self.steps(3))
        let commands = harness.host("h1").commands.map(\.script)
        let renewing = commands.filter { $0.contains(Self.renewal) }
        #expect(renewing.count == 1)
        #expect(renewing.first?.contains("run s2 h1") == true)
    }

    @Test func justUnderAQuarterOfTheLeaseIsNotRenewed() async throws {
        let harness = try EngineHarness()
        let clock = harness.clock
        harness.host("h1").on("run s1 h1", .before { clock.advance(by: .seconds(149)) })
        _ = try await harness.run(Self.steps(2))
        #expect(!harness.host("h1").commands.contains { $0.script.contains(Self.renewal) })
    }

    @Test func renewalCostsNoExtraRoundTrip() async throws {
        let quiet = try EngineHarness()
        _ = try await quiet.run(Self.steps(4))
        let renewing = try EngineHarness()
        let clock = renewing.clock
        renewing.host("h1").on("run s1 h1", times: nil, .before { clock.advance(by: .seconds(400)) })
        _ = try await renewing.run(Self.steps(4))
        #expect(renewing.host("h1").commands.count == quiet.host("h1").commands.count)
    }

    @Test func aLockTakenAwayStopsTheRunBeforeItsNextChangeWithoutWaitingForARenewal() async throws {
        let harness = try EngineHarness()
        let lock = harness.root.appendingPathComponent("h1/state/lock")
        harness.host("h1").on("run s2 h1", .before { try? FileManager.default.removeItem(at: lock) })
        let summary = try await harness.run(Self.steps(3))
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run s1 h1", "undo s1 h1"])
        #expect(
            harness.events.contains {
                if case .stepFinished(_, _, .failed, _, let tail) = $0 { tail.contains("deploy lock was taken away") } else { false }
            })
    }

    @Test func aLockTakenAwayStopsTheRunAtTheNextRenewalAndUndoes() async throws {
        let harness = try EngineHarness()
        let clock = harness.clock
        let lock = harness.root.appendingPathComponent("h1/state/lock")
        harness.host("h1").on(
            "run s2 h1",
            .before {
                clock.advance(by: .seconds(200))
                try? FileManager.default.removeItem(at: lock)
            })
        let summary = try await harness.run(Self.steps(3))
        #expect(summary.exitCode == .restored)
        #expect(!harness.logLines.contains("run s2 h1"))
        #expect(harness.logLines.contains("undo s1 h1"))
        #expect(
            harness.events.contains {
                if case .stepFinished(_, _, .failed, _, let tail) = $0 { tail.contains("deploy lock was taken away") } else { false }
            })
    }

    @Test func theLockIsReleasedAtTheEndOfARun() async throws {
        let harness = try EngineHarness(hosts: 2)
        _ = try await harness.run(Self.steps(2))
        #expect(!harness.exists("h1/state/lock"))
        #expect(!harness.exists("h2/state/lock"))
    }

    @Test func theLockIsReleasedAfterARollback() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(!harness.exists("h1/state/lock"))
    }
}
