import Foundation
import RolloutKit
import Testing

/// `wait_for`'s `from:`: where the probes start.
@Suite struct WaitForLoadingTests {
    @Test func fromHostLoadsAndTheDefaultIsThisMachine() throws {
        let (result, _) = try PlaybookFixture.steps(
            """
              - wait_for: { url: "{{ base_url }}/health", from: host }
              - wait_for: { tcp: "127.0.0.1:5432" }
            """)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        let steps = try #require(result.loaded?.playbook.steps.compactMap { $0.step as? WaitForStep })
        #expect(steps.map(\.fromHost) == [true, false])
    }

    @Test func aMisspeltWaitForOriginSuggestsTheRightOne() throws {
        let (result, fixture) = try PlaybookFixture.steps(
            """
              - wait_for: { url: "{{ base_url }}/health", from: 1️⃣hots }
            """)
        let diagnostic = try #require(result.diagnostics.first(containing: "'from' must be one of local, host, found 'hots'"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.suggestion == "host")
    }
}
