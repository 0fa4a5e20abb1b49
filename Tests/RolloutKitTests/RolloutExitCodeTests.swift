import RolloutKit
import Testing

struct RolloutExitCodeTests {
    /// Scripts and CI branch on these numbers; DESIGN.md promises them.
    @Test func numbersAreThePromisedOnes() {
        #expect(RolloutExitCode.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 130])
        #expect(RolloutExitCode.restored.description == "failed, previous state restored")
    }
}
