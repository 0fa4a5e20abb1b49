import Foundation
import RolloutKit
import Testing

/// `rollout plan --offline`: what each step affects and how it is undone, and secrets that were
/// never read shown by name.
@Suite struct PlanTextTests {
    @Test func eachStepSaysWhatItAffectsAndHowItIsUndone() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            secrets:
              paytr_key: { env: PAYTR_KEY }
              paytr_salt: { command: "exit 9" }
            steps:
              - name: Pay once
                callback: { paytr: { key: "{{ secrets.paytr_key }}", salt: "{{ secrets.paytr_salt }}" }, url: "{{ base_url }}/cb" }
              - name: Forged
                callback: { paytr: { key: "{{ secrets.paytr_key }}", salt: "{{ secrets.paytr_salt }}" }, url: "{{ base_url }}/cb", scenario: tampered, expect: { status: 400 } }
              - name: Pause webhook
                http: { request: "POST https://api.example.com/hooks/1", form: { disabled: "true" }, undo: { request: "POST https://api.example.com/hooks/1" } }
              - name: Upgrade
                migrate: { run: alembic upgrade head, undo: alembic downgrade -1 }
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let loader = PlaybookLoader(environmentName: "production", resolveSecrets: false, resolver: SecretResolver(environment: [:]))
        let result = loader.load(fixture.url("deploy.yml"), name: "deploy.yml")
        #expect(!result.diagnostics.hasErrors, "unread secrets are no error: \(result.diagnostics.rendered())")
        let loaded = try #require(result.loaded)
        let environment = try #require(loaded.inventory?.environment("production"))
        let text = PlanText(loaded: loaded, environment: environment, secrets: result.secrets).render()
        #expect(text.contains("1. Pay once  [callback, sends a payment notification: books a test payment in the app]"), "\(text)")
        #expect(text.contains("2. Forged  [callback, sends a payment notification that must be refused: books nothing]"), "\(text)")
        #expect(text.contains("key: <secret paytr_key>"), "\(text)")
        #expect(text.contains("salt: <secret paytr_salt>"), "the command was not run: \(text)")
        #expect(text.contains("3. Pause webhook  [http, changes the provider's side]"), "\(text)")
        #expect(text.contains("   undo: POST https://api.example.com/hooks/1\n"), "\(text)")
        #expect(text.contains("   undo: runs alembic downgrade -1\n"), "\(text)")
        #expect(text.contains("   undo: none (a booked payment stays booked)\n"), "\(text)")
    }
}
