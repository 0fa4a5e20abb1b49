import Foundation
import TestSupport
import Testing

/// `check` and `callback` steps run by `rollout run` on a loopback host. Check suites go to
/// `LoopbackHTTPServer`; callbacks go to `CallbackVerifierServer`, whose verdicts come from the
/// official stripe and paytr-python libraries, never from Rollout's code.
@Suite(.serialized) struct HTTPStepRunTests {
    static let whsec = "whsec_httpsteps7c1e9a2b4d6f8e0a1c3e5b7d9f1a3c5"
    static let paytrKey = "HttpStepsKey9Q"
    static let paytrSalt = "HttpStepsSalt4W"
    static let token = "tok-HttpSteps-5e2a"
    static let environment = ["TEST_WHSEC": whsec, "TEST_PAYTR_KEY": paytrKey, "TEST_PAYTR_SALT": paytrSalt, "TEST_TOKEN": token]
    static let secrets = [whsec, paytrKey, paytrSalt, token]

    /// A one-host sandbox whose `deploy.yml` has the given steps, `{{ dir }}` naming the host's
    /// directory and the test secrets declared.
    func sandbox(_ steps: String, vars: String = "") async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write(
            "deploy.yml",
            """
            name: http-steps
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            secrets:
              whsec: { env: TEST_WHSEC }
              paytr_key: { env: TEST_PAYTR_KEY }
              paytr_salt: { env: TEST_PAYTR_SALT }
              token: { env: TEST_TOKEN }
            vars:
              dir: "\(sandbox.root.path)/{{ host.name }}"
            \(vars)
            steps:
            \(steps)
            """)
        return sandbox
    }

    func run(_ sandbox: DeploySandbox, _ command: String = "run") async throws -> RolloutCLI.Output {
        try await sandbox.rollout([command, "deploy.yml", "-e", "sandbox"], environment: Self.environment)
    }

    func text(_ sandbox: DeploySandbox, _ name: String) throws -> String {
        String(decoding: try sandbox.snapshot(host: 0, name).bytes, as: UTF8.self)
    }

    /// No test secret in the run's output or in any file it left.
    func expectNoSecretLeaked(_ sandbox: DeploySandbox, _ output: RolloutCLI.Output) {
        for secret in Self.secrets {
            #expect(!output.all.contains(secret), "a secret is in the output")
            for file in sandbox.allFiles() {
                let contents = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
                #expect(!contents.contains(secret), "a secret is in \(file.path)")
            }
        }
    }

    // MARK: - check

    @Test func aCheckSuitePassesAgainstARealServerAndRegistersItsCounts() async throws {
        let server = try await LoopbackHTTPServer()
        let sandbox = try await sandbox(
            """
              - name: Endpoints
                check: checks.yml
                register: endpoints
              - name: Keep the counts
                shell: echo "{{ endpoints.passed }} {{ endpoints.failed }}" > "{{ dir }}/counts"
            """, vars: "  base_url: \(server.baseURL)")
        try sandbox.write(
            "checks.yml",
            """
            name: loopback endpoints
            base_url: "{{ base_url }}"
            defaults: { timeout: 5s, retries: 1, delay: 100ms }
            checks:
              - { request: GET /billing/, expect: { status: 302, header: { Location: "~ /auth/login" } } }
              - { request: GET /hello, expect: { status: 200, body_contains: hello, max_ms: 2000 } }
              - { request: GET /json, expect: { header: { Content-Type: application/json }, body_contains: '"revision": "r42"' } }
              - name: form echoed
                request: POST /echo
                headers: { Authorization: "Bearer {{ secrets.token }}" }
                form: { merchant_oid: TEST, status: success }
                expect: { status: 201, body_contains: "merchant_oid=TEST&status=success" }
              - { request: POST /echo, json: { amount: 100 }, expect: { status: 201, body_contains: '{"amount":100}', header: { Content-Type: application/json } } }
              - { name: warming up, request: GET /flaky?key=passing-suite, expect: { body_contains: ready } }
            """)
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--json", "report.jsonl"], environment: Self.environment)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("[h0] 1/2 Endpoints — ok"), "\(output.stdout)")
        #expect(try text(sandbox, "counts") == "6 0\n")
        let report = try String(contentsOf: sandbox.root.appendingPathComponent("report.jsonl"), encoding: .utf8)
        #expect(report.contains("GET /billing/: 302, ") && report.contains("form echoed: 201, "), "\(report)")
        #expect(report.contains("warming up: 200, ") && report.contains("pass after 2 attempts"), "only the failing check is sent again: \(report)")
        expectNoSecretLeaked(sandbox, output)
    }

    @Test func aFailingCheckIsNamedWithWhatWasExpectedAndWhatCameBack() async throws {
        let server = try await LoopbackHTTPServer()
        let sandbox = try await sandbox(
            """
              - name: Endpoints
                check:
                  base_url: "\(server.baseURL)"
                  defaults: { retries: 2, delay: 50ms }
                  checks:
                    - { request: GET /hello }
                    - { name: login redirect, request: GET /billing/, expect: { status: 302, header: { Location: "~ /admin" } } }
                    - { name: token page, request: GET /hello, expect: { status: 201, body_contains: "{{ secrets.token }}" } }
                    - { name: nothing listening, request: GET http://127.0.0.1:\(try closedLoopbackPort())/health, retries: 0 }
            """)
        let output = try await run(sandbox)
        // Nothing the run could undo makes the server answer differently, so the check fails
        // again when it is verified after the rollback: a human is needed.
        #expect(output.status == 3, "\(output.all)")
        #expect(output.stdout.contains("3 of 4 checks of 'inline checks' failed"), "\(output.stdout)")
        #expect(output.stdout.contains("login redirect: header Location: expected ~ /admin, got '/auth/login?next=/billing/'"), "\(output.stdout)")
        #expect(output.stdout.contains("token page: status: expected 201, got 200; body: expected to contain '***', got 'hello'"), "\(output.stdout)")
        #expect(output.stdout.contains("GET /hello: 200, ") && output.stdout.contains("login redirect: 302, "), "\(output.stdout)")
        #expect(output.stdout.contains("nothing listening: no response, -, FAIL"), "\(output.stdout)")
        #expect(output.stdout.contains("| nothing listening: cannot connect to http://127.0.0.1:"), "\(output.stdout)")
        expectNoSecretLeaked(sandbox, output)
    }

    // MARK: - callback

    @Test func stripeCallbacksAreJudgedByTheOfficialLibrary() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: Self.paytrKey, paytrSalt: Self.paytrSalt)
        let stripe = "stripe: { secret: \"{{ secrets.whsec }}\" }\n      url: \"\(server.baseURL)/stripe\""
        let sandbox = try await sandbox(
            """
              - name: Valid
                callback:
                  \(stripe)
                register: valid
              - name: Tampered
                callback:
                  \(stripe)
                  scenario: tampered
                  expect: { status: [400] }
              - name: Stale
                callback:
                  \(stripe)
                  scenario: stale
                  expect: { status: 400, body_contains: Timestamp outside the tolerance zone }
              - name: Replay
                callback:
                  \(stripe)
                  scenario: replay
              - name: Failed payment
                callback:
                  \(stripe)
                  scenario: failed
                  fields: { amount: "1999" }
              - name: Keep the answer
                shell: echo "{{ valid.status }} {{ valid.body }}" > "{{ dir }}/answer"
            """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect(try text(sandbox, "answer") == "200 OK\n")
        let seen = try await server.seen()
        #expect(seen.accepted == 4 && seen.rejected == 2, "\(seen)")
        #expect(seen.ids.count == 3 && seen.ids.values.sorted() == [1, 1, 2], "the replay is one event id seen twice: \(seen.ids)")
        expectNoSecretLeaked(sandbox, output)
    }

    @Test func callbackDefaultsPinTheAPIVersionAndFieldsOfEveryStripeStepAsTheOfficialLibraryParsesThem() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: Self.paytrKey, paytrSalt: Self.paytrSalt)
        let show = [
            "data.object.subscription", "data.object.parent.subscription_details.subscription", "data.object.amount_paid",
            "data.object.currency", "data.object.metadata.booking_id",
        ]
        let url = "\(server.baseURL)/stripe?" + show.map { "show=" + $0 }.joined(separator: "&")
        // The verifier answers each path as stripe parsed it; body_contains judges those lines.
        let sandbox = try await sandbox(
            """
              - name: Pinned by the defaults
                callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "\(url)"
                  event: invoice.paid
                  expect:
                    body_contains:
                      - 'data.object.subscription="sub_'
                      - 'data.object.parent.subscription_details.subscription=<absent>'
                      - 'data.object.amount_paid=4900'
                      - 'data.object.currency="eur"'
                      - 'data.object.metadata.booking_id="B-42"'
              - name: Pinned by the step
                callback:
                  stripe: { secret: "{{ secrets.whsec }}", api_version: 2026-10-28.endive }
                  url: "\(url)"
                  event: invoice.paid
                  fields: { amount_paid: "100" }
                  expect:
                    body_contains:
                      - 'data.object.subscription=<absent>'
                      - 'data.object.parent.subscription_details.subscription="sub_'
                      - 'data.object.amount_paid=100'
                      - 'data.object.metadata.booking_id="B-42"'
            """,
            vars: """
                  booking_id: B-42
                callback_defaults:
                  stripe:
                    api_version: 2024-06-20
                    currency: EUR
                    amount: 4900
                    metadata: { booking_id: "{{ booking_id }}" }
                """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        let seen = try await server.seen()
        #expect(seen.accepted == 2 && seen.rejected == 0, "\(seen)")
        expectNoSecretLeaked(sandbox, output)
    }

    @Test func paytrCallbacksAreJudgedByTheOfficialLibraryIncludingTwentyAtFiveAtATime() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: Self.paytrKey, paytrSalt: Self.paytrSalt)
        let paytr = "paytr: { key: \"{{ secrets.paytr_key }}\", salt: \"{{ secrets.paytr_salt }}\" }\n      url: \"\(server.baseURL)/paytr\""
        let sandbox = try await sandbox(
            """
              - name: Valid
                callback:
                  \(paytr)
                  fields: { merchant_oid: SINGLE1, total_amount: "297000" }
                  expect: { body_contains: OK }
              - name: Tampered
                callback:
                  \(paytr)
                  scenario: tampered
                  expect: { status: [400] }
              - name: Failed payment
                callback:
                  \(paytr)
                  scenario: failed
              - name: Load
                callback:
                  \(paytr)
                  count: 20
                  concurrency: 5
            """)
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--json", "report.jsonl"], environment: Self.environment)
        #expect(output.status == 0, "\(output.all)")
        let seen = try await server.seen()
        #expect(seen.accepted == 22 && seen.rejected == 1, "\(seen)")
        #expect(seen.ids.count == 22 && seen.ids["SINGLE1"] == 1, "20 distinct orders plus two: \(seen.ids)")
        let report = try String(contentsOf: sandbox.root.appendingPathComponent("report.jsonl"), encoding: .utf8)
        #expect(report.contains("valid: 20 sent, statuses 200×20, p50 "), "\(report)")
        expectNoSecretLeaked(sandbox, output)
    }

    @Test func aCallbackAnsweredOutsideExpectFailsTheRunWithoutShowingTheSecret() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: Self.paytrKey, paytrSalt: Self.paytrSalt)
        let sandbox = try await sandbox(
            """
              - name: Forged but expected to pass
                callback:
                  paytr: { key: "{{ secrets.paytr_key }}", salt: "{{ secrets.paytr_salt }}" }
                  url: "\(server.baseURL)/paytr"
                  scenario: tampered
            """)
        let output = try await run(sandbox)
        #expect(output.status == 1, "nothing to undo, and a callback is not sent again after the rollback: \(output.all)")
        let seen = try await server.seen()
        #expect(seen.accepted == 0 && seen.rejected == 1, "sent once: \(seen)")
        #expect(output.stdout.contains("tampered: 400, "), "\(output.stdout)")
        #expect(output.stdout.contains("tampered: expected status 200, got 400 'rejected: "), "\(output.stdout)")
        expectNoSecretLeaked(sandbox, output)
    }

    @Test func planShowsWhatWouldBeSentAndSendsNothing() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: Self.paytrKey, paytrSalt: Self.paytrSalt)
        let sandbox = try await sandbox(
            """
              - name: Webhook
                callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "\(server.baseURL)/stripe?t={{ secrets.token }}"
                  scenario: replay
                  count: 3
              - name: Endpoints
                check: { base_url: "\(server.baseURL)", checks: [ { request: POST /stripe, expect: { status: 400 } } ] }
            """)
        let output = try await run(sandbox, "plan")
        #expect(output.status == 0, "\(output.all)")
        #expect(
            output.stdout.contains("POST \(server.baseURL)/stripe?t=***: Stripe payment_intent.succeeded event, scenario replay"), "\(output.stdout)")
        #expect(output.stdout.contains("the same callback 3 times, 1 at a time"), "\(output.stdout)")
        #expect(output.stdout.contains("POST \(server.baseURL)/stripe — expect status 400"), "\(output.stdout)")
        let seen = try await server.seen()
        #expect(seen.accepted == 0 && seen.rejected == 0, "plan sent something: \(seen)")
        expectNoSecretLeaked(sandbox, output)
    }
}
