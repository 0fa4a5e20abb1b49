import Foundation
import RolloutKit
import TestSupport
import Testing

/// `retries` and `delay`: how often a failing step is tried again and how long the engine
/// waits between attempts (read from the injected clock, so no test waits).
@Suite struct RetryTests {
    /// A shell step that fails until it has been tried `succeedOn` times.
    static func flaky(_ harness: EngineHarness, succeedOn attempt: Int, options: String) -> String {
        let counter = harness.root.appendingPathComponent("attempts").path
        return """
            steps:
              - shell: "echo x >> \(counter); [ $(wc -l < \(counter)) -ge \(attempt) ]"
                register: flaky
            \(options)
            """
    }

    @Test func aStepIsTriedAgainUntilItSucceeds() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(Self.flaky(harness, succeedOn: 3, options: "    retries: 5\n    delay: 7s"))
        #expect(summary.exitCode == .success)
        #expect(harness.clock.sleeps == [.seconds(7), .seconds(7)])
    }

    @Test func aStepThatKeepsFailingFailsAfterItsLastRetry() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(Self.flaky(harness, succeedOn: 10, options: "    retries: 2\n    delay: 3s"))
        #expect(summary.exitCode == .restored)
        #expect(harness.clock.sleeps == [.seconds(3), .seconds(3)])
        let attempts = try String(contentsOf: harness.root.appendingPathComponent("attempts"), encoding: .utf8)
        #expect(attempts.split(separator: "\n").count == 3)
    }

    @Test func aStepThatSucceedsAtOnceWaitsForNothing() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.flaky(harness, succeedOn: 1, options: "    retries: 4"))
        #expect(harness.clock.sleeps.isEmpty)
    }

    @Test func theDefaultDelayIsFiveSeconds() async throws {
        let harness = try EngineHarness()
        _ = try await harness.run(Self.flaky(harness, succeedOn: 2, options: "    retries: 1"))
        #expect(harness.clock.sleeps == [.seconds(5)])
    }

    @Test func withoutRetriesAFailureIsFinal() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(Self.flaky(harness, succeedOn: 2, options: ""))
        #expect(summary.exitCode == .restored)
        #expect(harness.clock.sleeps.isEmpty)
    }
}
