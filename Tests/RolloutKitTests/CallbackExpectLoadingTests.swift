import Foundation
import Testing

@testable import RolloutKit

/// A callback's `expect`: one per attempt for a replay, and `max_p90_ms`.
@Suite struct CallbackExpectLoadingTests {
    private func load(_ step: String) throws -> (PlaybookLoader.Result, PlaybookFixture) {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            secrets:
              whsec: { env: WHSEC }
            steps:
            \(step)
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        return (fixture.load(environment: "production", env: ["WHSEC": "whsec_long_enough"]), fixture)
    }

    @Test func aReplayTakesOneExpectationPerAttempt() throws {
        let (result, _) = try load(
            """
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}/webhooks/stripe"
                  scenario: replay
                  expect: [ { body_contains: processed }, { status: [200, 409], body_contains: already_processed } ]
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}/webhooks/stripe"
                  count: 100
                  expect: { max_p90_ms: 300 }
            """)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        let steps = try #require(result.loaded?.playbook.steps.compactMap { $0.step as? CallbackStep })
        #expect(steps[0].expectBodyContains.map(\.source) == ["processed"])
        #expect(steps[0].laterExpectations.map(\.status) == [[200, 409]])
        #expect(steps[1].maxP90 == .milliseconds(300))
    }

    @Test func aListOfExpectationsOutsideAReplayIsRefused() throws {
        let (result, fixture) = try load(
            """
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}/webhooks/stripe"
                  1️⃣expect: [ { status: 200 }, { status: 200 } ]
            """)
        let diagnostic = try #require(
            result.diagnostics.first(containing: "a list under 'expect' (one per attempt) applies only to scenario: replay"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func aMisspeltLatencyKeySuggestsTheRightOne() throws {
        let (result, fixture) = try load(
            """
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}/webhooks/stripe"
                  expect: { 1️⃣max_p90: 300 }
            """)
        let diagnostic = try #require(result.diagnostics.first(containing: "unknown key 'max_p90'"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.suggestion == "max_p90_ms")
    }

    @Test func numberingReferencesAreValidOnlyInCallbackFields() throws {
        let (good, _) = try load(
            """
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}/webhooks/stripe"
                  count: 10
                  fields: { metadata.order_id: "{{ uuid }}", metadata.n: "{{ i }}" }
            """)
        #expect(!good.diagnostics.hasErrors, "\(good.diagnostics.rendered())")
        let (bad, fixture) = try load(
            """
              - shell: echo 1️⃣{{ i }}
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}/webhooks/2️⃣{{ uuid }}"
            """)
        let shell = try #require(bad.diagnostics.first(containing: "'i' has a value only in the fields of a callback step"))
        #expect(shell.location == fixture["1️⃣"])
        let url = try #require(bad.diagnostics.first(containing: "'uuid' has a value only in the fields of a callback step"))
        #expect(url.location == fixture["2️⃣"])
    }
}
