import Foundation
import TestSupport
import Testing

/// The `http` step against a loopback server that plays a provider's API (Stripe's webhook
/// endpoints): the request is sent with the real key, its undo is sent on rollback, and the key
/// is in no output, report or run record.
@Suite(.serialized) struct HTTPStepProviderTests {
    static let apiKey = "sk_test_Provider51c0ffee9a"
    static let environment = ["PROVIDER_KEY": apiKey]

    func sandbox(_ api: ProviderAPIServer, steps: String) async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write(
            "deploy.yml",
            """
            name: provider-api
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            secrets:
              stripe_key: { env: PROVIDER_KEY }
            vars:
              stripe_api: "\(api.baseURL)"
            steps:
              - name: Pause the billing webhook
                http:
                  request: POST {{ stripe_api }}/v1/webhook_endpoints/we_billing
                  headers: { Authorization: "Bearer {{ secrets.stripe_key }}" }
                  form: { disabled: "true" }
                  expect: { status: 200, json: { "$.status": disabled } }
                  undo:
                    request: POST {{ stripe_api }}/v1/webhook_endpoints/we_billing
                    headers: { Authorization: "Bearer {{ secrets.stripe_key }}" }
                    form: { disabled: "false" }
                    expect: { json: { "$.status": enabled } }
            \(steps)
            """)
        return sandbox
    }

    func expectNoKey(_ sandbox: DeploySandbox, _ output: RolloutCLI.Output) {
        #expect(!output.all.contains(Self.apiKey), "the key is in the output")
        for file in sandbox.allFiles() {
            let contents = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            #expect(!contents.contains(Self.apiKey), "the key is in \(file.path)")
        }
    }

    @Test("a failing deploy sends the undo request: the webhook endpoint is enabled again, and the key is never shown")
    func theUndoRequestIsSentOnRollback() async throws {
        let api = try await ProviderAPIServer(apiKey: Self.apiKey)
        let sandbox = try await sandbox(
            api,
            steps: """
                  - name: Restart that fails
                    shell: exit 3
                """)
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--json", "report.jsonl"], environment: Self.environment)
        #expect(output.status == 1, "\(output.all)")
        let received = try await api.received()
        #expect(received.map(\.body) == ["disabled=true", "disabled=false"], "\(received)")
        #expect(received.allSatisfy { $0.authorization == "Bearer \(Self.apiKey)" }, "the real key is sent")
        #expect(try await api.status(of: "we_billing") == "enabled")
        #expect(output.all.contains("Pause the billing webhook"), "\(output.all)")
        expectNoKey(sandbox, output)
    }

    @Test("plan shows the request and its undo with the key masked, and sends nothing")
    func planSendsNothing() async throws {
        let api = try await ProviderAPIServer(apiKey: Self.apiKey)
        let sandbox = try await sandbox(api, steps: "")
        let output = try await sandbox.rollout(["plan", "deploy.yml", "-e", "sandbox", "--offline"], environment: Self.environment)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("1. Pause the billing webhook  [http, changes the provider's side]"), "\(output.stdout)")
        #expect(output.stdout.contains("   undo:\n     request: POST \(api.baseURL)/v1/webhook_endpoints/we_billing\n"), "\(output.stdout)")
        #expect(output.stdout.contains("   undo: POST \(api.baseURL)/v1/webhook_endpoints/we_billing\n"), "\(output.stdout)")
        #expect(output.stdout.contains("Authorization: Bearer <secret stripe_key>"), "no secret is read offline: \(output.stdout)")
        #expect(try await api.received().isEmpty)
        expectNoKey(sandbox, output)
    }

    @Test("a refused request fails the step with what came back, the key masked even where the provider echoes it")
    func aRefusedRequestFailsWithoutShowingTheKey() async throws {
        let api = try await ProviderAPIServer(apiKey: "sk_test_another_key_entirely")
        let sandbox = try await sandbox(api, steps: "")
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"], environment: Self.environment)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("status: expected 200, got 401"), "\(output.all)")
        #expect(output.all.contains("Invalid API Key provided: ***"), "the provider's echo of the key is masked: \(output.all)")
        #expect(try await api.received().count == 1, "no undo for a request that did not succeed")
        expectNoKey(sandbox, output)
    }
}
