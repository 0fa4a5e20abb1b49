import RolloutKit
import TestSupport
import Testing

/// `serial`, `max_fail_percentage` and `run_once`: which hosts take a step, in which batches,
/// and when failures stop the run.
@Suite struct HostSelectionTests {
    static let twoSteps = """
        steps:
          - probe: { id: a, log: "{{ log }}", fail_on: "{{ fail }}" }
          - probe: { id: b, log: "{{ log }}" }
        """

    @Test func withoutSerialEveryHostTakesAStepBeforeAnyHostTakesTheNext() async throws {
        let harness = try EngineHarness(hosts: 3)
        _ = try await harness.run(Self.twoSteps, overrides: ["fail": ""])
        let lines = harness.logLines
        let lastA = try #require(lines.lastIndex { $0.hasPrefix("run a") })
        let firstB = try #require(lines.firstIndex { $0.hasPrefix("run b") })
        #expect(lastA < firstB)
        #expect(lines.filter { $0.hasPrefix("run") }.count == 6)
    }

    @Test func serialOneDeploysHostAfterHost() async throws {
        let harness = try EngineHarness(hosts: 3)
        _ = try await harness.run("serial: 1\n" + Self.twoSteps, overrides: ["fail": ""])
        #expect(harness.logLines == ["run a h1", "run b h1", "run a h2", "run b h2", "run a h3", "run b h3"])
    }

    @Test func aFailureInTheFirstBatchLeavesTheLaterBatchesUntouched() async throws {
        let harness = try EngineHarness(hosts: 3)
        let summary = try await harness.run("serial: 1\n" + Self.twoSteps, overrides: ["fail": "h1"])
        #expect(summary.exitCode == .restored)
        #expect(!harness.logLines.contains { $0.hasSuffix("h2") || $0.hasSuffix("h3") })
    }

    @Test func aFailureInALaterBatchUndoesTheEarlierBatchesToo() async throws {
        let harness = try EngineHarness(hosts: 3)
        let summary = try await harness.run("serial: 1\n" + Self.twoSteps, overrides: ["fail": "h2"])
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines.contains("undo b h1"))
        #expect(harness.logLines.contains("undo a h1"))
        #expect(harness.logLines.contains("undo a h2"))
        #expect(!harness.logLines.contains { $0.hasSuffix("h3") })
    }

    @Test func aRollingDeployIsUndoneBatchByBatchLastBatchFirst() async throws {
        let harness = try EngineHarness(hosts: 3)
        _ = try await harness.run("serial: 1\n" + Self.twoSteps, overrides: ["fail": "h2"])
        let undos = harness.logLines.filter { $0.hasPrefix("undo") }
        // h1 keeps serving while h2 is restored, then takes its turn.
        #expect(undos == ["undo a h2", "undo b h1", "undo a h1"])
    }

    @Test func serialAsAShareMakesBatchesOfThatShare() async throws {
        let harness = try EngineHarness(hosts: 4)
        _ = try await harness.run("serial: 50%\n" + Self.twoSteps, overrides: ["fail": ""])
        let lines = harness.logLines
        let firstBatchDone = try #require(lines.lastIndex { $0 == "run b h1" || $0 == "run b h2" })
        let secondBatchStart = try #require(lines.firstIndex { $0.hasSuffix("h3") || $0.hasSuffix("h4") })
        #expect(firstBatchDone < secondBatchStart)
    }

    @Test func byDefaultOneFailedHostStopsTheRun() async throws {
        let harness = try EngineHarness(hosts: 4)
        let summary = try await harness.run(Self.twoSteps, overrides: ["fail": "h3"])
        #expect(summary.exitCode == .restored)
        #expect(!harness.logLines.contains { $0.hasPrefix("run b") })
    }

    @Test func failuresWithinTheToleranceLetTheOtherHostsFinish() async throws {
        let harness = try EngineHarness(hosts: 4)
        let summary = try await harness.run("max_fail_percentage: 25\n" + Self.twoSteps, overrides: ["fail": "h3"])
        #expect(summary.exitCode == .success)
        for host in ["h1", "h2", "h4"] {
            #expect(harness.logLines.contains("run b \(host)"))
            #expect(!harness.logLines.contains("undo a \(host)"))
        }
        // The failed host takes no further step and is restored.
        #expect(!harness.logLines.contains("run b h3"))
        #expect(harness.logLines.contains("undo a h3"))
    }

    @Test func failuresAboveTheToleranceStopTheRunEverywhere() async throws {
        let harness = try EngineHarness(hosts: 4)
        let summary = try await harness.run("max_fail_percentage: 25\n" + Self.twoSteps, overrides: ["fail": "h2 h3"])
        #expect(summary.exitCode == .restored)
        for host in harness.hostNames { #expect(harness.logLines.contains("undo a \(host)")) }
    }

    @Test func theToleranceIsCountedPerSerialBatch() async throws {
        let harness = try EngineHarness(hosts: 4)
        // One failure in a batch of two is 50%: above 25% although only a quarter of all hosts.
        let summary = try await harness.run("serial: 2\nmax_fail_percentage: 25\n" + Self.twoSteps, overrides: ["fail": "h1"])
        #expect(summary.exitCode == .restored)
        #expect(!harness.logLines.contains { $0.hasSuffix("h3") })
    }

    @Test func anIgnoredFailureDoesNotCountAgainstTheTolerance() async throws {
        let harness = try EngineHarness(hosts: 2)
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}", fail_on: h1 }
                ignore_failure: true
              - probe: { id: b, log: "{{ log }}" }
            """)
        #expect(summary.exitCode == .success)
        #expect(harness.logLines.contains("run b h1"))
    }

    @Test func runOnceRunsOnTheFirstHostOnly() async throws {
        let harness = try EngineHarness(hosts: 3)
        _ = try await harness.run(
            """
            steps:
              - probe: { id: migrate, log: "{{ log }}" }
                run_once: true
              - probe: { id: b, log: "{{ log }}" }
            """)
        #expect(harness.logLines.filter { $0.hasPrefix("run migrate") } == ["run migrate h1"])
        #expect(harness.logLines.filter { $0.hasPrefix("run b") }.count == 3)
    }

    @Test func runOnceRunsOnceAcrossSerialBatches() async throws {
        let harness = try EngineHarness(hosts: 3)
        _ = try await harness.run(
            """
            serial: 1
            steps:
              - probe: { id: migrate, log: "{{ log }}" }
                run_once: true
              - probe: { id: b, log: "{{ log }}" }
            """)
        #expect(harness.logLines.filter { $0.hasPrefix("run migrate") } == ["run migrate h1"])
    }

    @Test func runOnceTakesTheFirstHostOfItsGroup() async throws {
        let harness = try EngineHarness(hosts: 3, groups: ["h2": ["db"], "h3": ["db"]])
        _ = try await harness.run(
            """
            steps:
              - probe: { id: migrate, log: "{{ log }}" }
                on: db
                run_once: true
            """)
        #expect(harness.logLines == ["run migrate h2"])
    }

    @Test func aRunOnceStepThatFailsUndoesEveryHost() async throws {
        let harness = try EngineHarness(hosts: 2)
        let summary = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: migrate, log: "{{ log }}", fail_on: h1 }
                run_once: true
            """)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines.contains("undo a h2"))
        #expect(harness.logLines.contains("undo migrate h1"))
    }

    @Test func stepsOnAGroupSkipTheOtherHosts() async throws {
        let harness = try EngineHarness(hosts: 2, groups: ["h2": ["web"]])
        _ = try await harness.run(
            """
            steps:
              - probe: { id: a, log: "{{ log }}" }
                on: web
            """)
        #expect(harness.logLines == ["run a h2"])
    }
}
