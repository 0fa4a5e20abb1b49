import Foundation
import RolloutKit
import TestSupport
import Testing

/// A batch of steps is one command, but each of its steps is judged and reported on its own,
/// however much the batch prints.
@Suite struct BatchOutputTests {
    /// Three steps that print 700 KB each (2.1 MB together, twice what a command's result
    /// keeps) and a last one: each is reported with its own outcome and output.
    @Test func aBatchThatPrintsMoreThanACommandKeepsReportsEveryStep() async throws {
        let harness = try EngineHarness()
        let summary = try await harness.run(
            """
            steps:
              - shell: "head -c 700000 /dev/zero | tr '\\\\0' a"
              - shell: "head -c 700000 /dev/zero | tr '\\\\0' b"
              - shell: "head -c 700000 /dev/zero | tr '\\\\0' c"
              - shell: "echo last"
            """)
        #expect(summary.exitCode == .success)
        let finished = harness.events.compactMap { event -> (Int, StepOutcome, String)? in
            if case .stepFinished(_, let step, let outcome, _, let tail) = event { (step.index, outcome, tail) } else { nil }
        }
        #expect(finished.map(\.0) == [0, 1, 2, 3])
        #expect(finished.allSatisfy { $0.1 == .changed })
        #expect(finished[1].2.hasSuffix("bbbb"))
        #expect(finished[3].2 == "last")
    }
}
