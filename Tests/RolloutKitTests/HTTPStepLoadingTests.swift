import Foundation
import Testing

@testable import RolloutKit

/// Loading the `http` step: its request, its undo, and each mistake at its file:line:column.
@Suite struct HTTPStepLoadingTests {
    private func fixture(_ step: String) throws -> PlaybookFixture {
        try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            secrets:
              stripe_key: { env: STRIPE_KEY }
            steps:
            \(step)
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
    }

    @Test func aRequestWithAnUndoLoadsAndCountsAsAChange() throws {
        let fixture = try fixture(
            """
              - http:
                  base_url: https://api.stripe.com
                  request: POST /v1/webhook_endpoints/we_1
                  headers: { Authorization: "Bearer {{ secrets.stripe_key }}" }
                  form: { disabled: "true" }
                  undo: { request: POST /v1/webhook_endpoints/we_1, form: { disabled: "false" } }
              - http: { request: GET https://status.example.com/api, expect: { json: { "$.status": ok } } }
            """)
        let result = fixture.load(environment: "production", env: ["STRIPE_KEY": "sk_test_long_enough"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        let steps = try #require(result.loaded?.playbook.steps.map(\.step) as? [HTTPStep])
        #expect(steps[0].mutates && steps[0].undoRequest?.method == "POST")
        #expect(!steps[1].mutates, "a GET changes nothing")
        #expect(steps[1].request.expect.json.first?.path.source == "$.status")
    }

    @Test func aCaptureIsRefusedWithTheKeysAnHTTPStepTakes() throws {
        let fixture = try fixture(
            """
              - http:
                  request: GET https://example.com/
                  1️⃣capture: { id: { json: $.id } }
            """)
        let result = fixture.load(environment: "production", env: ["STRIPE_KEY": "sk_test_long_enough"])
        let diagnostic = try #require(result.diagnostics.first(containing: "unknown key 'capture'"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func aMisspeltKeyInTheUndoSuggestsTheRightOne() throws {
        let fixture = try fixture(
            """
              - http:
                  request: POST https://example.com/flags/x
                  undo: { request: POST https://example.com/flags/x, 1️⃣from: { on: "false" } }
            """)
        let result = fixture.load(environment: "production", env: ["STRIPE_KEY": "sk_test_long_enough"])
        let diagnostic = try #require(result.diagnostics.first(containing: "unknown key 'from' in 'undo'"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.suggestion == "form")
    }

    @Test func aRelativePathWithoutBaseURLIsReported() throws {
        let fixture = try fixture(
            """
              - http: { request: POST 1️⃣/v1/flags }
            """)
        let result = fixture.load(environment: "production", env: ["STRIPE_KEY": "sk_test_long_enough"])
        let diagnostic = try #require(result.diagnostics.first(containing: "'/v1/flags' is relative but the http step has no 'base_url'"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }
}
