import Foundation
import TestSupport
import Testing

/// Check suites that sign in for real (`login:`, cookies, `capture:`, `{{ captured.* }}`) against
/// `SignInApp`: the signed-in rows of the youarecoder guide (a form login with a CSRF token;
/// an unknown plan answers 400 while signed in) and the JWT-protected endpoints of the
/// subscriptions runbook (a JSON login returning a token with an expiry).
@Suite(.serialized) struct CheckSessionTests {
    static let email = "ops@youarecoder.test"
    static let password = "pw-SignIn-3f9c71"
    static let jwtSecret = "jwt-key-SignIn-b4e2"
    static let environment = ["APP_PASSWORD": password]
    /// Every JWT the app issues starts like this (base64url of `{"alg": "HS256"`); a token shown
    /// anywhere would show it.
    static let tokenStart = "eyJhbGciOiAiSFMyNTYi"

    static let youarecoderSuite = """
        name: youarecoder signed in
        base_url: "{{ base_url }}"
        secrets:
          password: { env: APP_PASSWORD }
        login:
          - name: login form
            request: GET /auth/login
            capture:
              csrf: { regex: 'name="csrf_token" value="([^"]+)"', secret: true }
          - name: sign in
            request: POST /auth/login
            form: { email: "{{ user_email }}", password: "{{ secrets.password }}", csrf_token: "{{ captured.csrf }}" }
            expect: { status: 302, header: { Location: /billing/ } }
        checks:
          - name: billing dashboard while signed in
            request: GET /billing/
            expect: { status: 200, body_matches: "Billing for .+@" }
            capture:
              page_csrf: { regex: 'name="csrf-token" content="([^"]+)"', secret: true }
          - name: an unknown plan is refused
            request: POST /billing/subscribe/invalid
            form: { csrf_token: "{{ captured.page_csrf }}" }
            expect: { status: 400, body: Unknown plan }
          - name: a known plan goes to payment
            request: POST /billing/subscribe/team
            form: { csrf_token: "{{ captured.page_csrf }}" }
            expect: { status: 302, header: { Location: "~ /billing/payment/team$" } }
        """

    static func subscriptionsSuite(extraChecks: String = "") -> String {
        """
        name: subscriptions API
        base_url: "{{ base_url }}"
        secrets:
          password: { env: APP_PASSWORD }
        login:
          - name: sign in
            request: POST /api/v1/auth/login
            json: { email: "{{ user_email }}", password: "{{ secrets.password }}" }
            expect: { status: 200, json: { "$.token_type": bearer } }
            capture:
              token: { json: "$.access_token", secret: true }
        checks:
          - name: the subscription is active
            request: GET /api/v1/billing/subscription
            headers: { Authorization: "Bearer {{ captured.token }}" }
            expect: { json: { "$.status": active, "$.items.length()": 1, "$.plan": "~ ^pro$" } }
          - name: an unknown plan is refused
            request: POST /api/v1/billing/checkout
            headers: { Authorization: "Bearer {{ captured.token }}" }
            json: { plan_name: platinum, billing_cycle: monthly }
            expect: { status: 400, json: { "$.detail": Unknown plan platinum } }
          - name: no token, no subscription
            request: GET /api/v1/billing/subscription
            expect: { status: 401 }
        \(extraChecks)
        """
    }

    func project(_ app: SignInApp, files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("checks"), withIntermediateDirectories: true)
        try """
        environments:
          staging:
            vars: { base_url: "\(app.baseURL)", user_email: "\(Self.email)" }
            hosts:
              web1: { address: 192.0.2.10 }
        """.write(to: directory.appendingPathComponent("inventory.yml"), atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    func read(_ name: String, in directory: URL) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    @Test("the youarecoder signed-in rows pass: form login with a CSRF token, session cookie kept, unknown plan 400")
    func youarecoderSignedInRows() async throws {
        let app = try await SignInApp(email: Self.email, password: Self.password, jwtSecret: Self.jwtSecret)
        let directory = try project(app, files: ["checks/signed-in.yml": Self.youarecoderSuite])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(
            ["verify", "checks/signed-in.yml", "-e", "staging", "--inventory", "inventory.yml"],
            in: directory, environment: Self.environment)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("youarecoder signed in › login › sign in: 302, "), "\(output.stdout)")
        #expect(output.stdout.contains("youarecoder signed in › an unknown plan is refused: 400, "), "\(output.stdout)")
        #expect(output.stdout.contains("verify staging: 5 of 5 checks passed"), "\(output.stdout)")
        #expect(try await app.stats().formLogins == 1)
        #expect(!output.all.contains(Self.password))
    }

    @Test("signed out, the same rows fail and say what came back: the login redirect")
    func withoutTheLoginTheRowsFail() async throws {
        let app = try await SignInApp(email: Self.email, password: Self.password, jwtSecret: Self.jwtSecret)
        let directory = try project(app, files: ["checks/signed-in.yml": Self.youarecoderSuite])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(
            ["verify", "checks/signed-in.yml", "-e", "staging"], in: directory,
            environment: ["APP_PASSWORD": "not-the-password"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("login › sign in: 200, "), "a wrong password gets the form again: \(output.stdout)")
        #expect(output.stdout.contains("status: expected 302, got 200"), "\(output.stdout)")
        #expect(output.stdout.contains("billing dashboard while signed in: 302, "), "\(output.stdout)")
    }

    @Test("the subscriptions API's JWT-protected endpoints pass with a token from a JSON login; the token is never shown")
    func jwtProtectedEndpoints() async throws {
        let app = try await SignInApp(email: Self.email, password: Self.password, jwtSecret: Self.jwtSecret)
        // The last check fails on purpose and shows the login response, token included, in its message.
        let leaky = """
              - name: the login answer, shown
                request: POST /api/v1/auth/login
                json: { email: "{{ user_email }}", password: "{{ secrets.password }}" }
                expect: { body: nothing like this }
            """
        let directory = try project(app, files: ["checks/api.yml": Self.subscriptionsSuite(extraChecks: leaky)])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(
            ["verify", "checks/api.yml", "-e", "staging", "--junit", "out.xml", "--json", "verify.jsonl"], in: directory,
            environment: Self.environment)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("subscriptions API › login › sign in: 200, "), "\(output.stdout)")
        #expect(output.stdout.contains("subscriptions API › the subscription is active: 200, "), "\(output.stdout)")
        #expect(output.stdout.contains("verify staging: 4 of 5 checks passed, 1 failed"), "\(output.stdout)")
        #expect(output.stdout.contains(#"body: expected 'nothing like this', got '{"access_token": "***""#), "\(output.stdout)")
        for (what, text) in [("output", output.all), ("JUnit", read("out.xml", in: directory)), ("JSON", read("verify.jsonl", in: directory))] {
            #expect(!text.contains(Self.tokenStart), "the captured token is in the \(what)")
            #expect(!text.contains(Self.password), "the password is in the \(what)")
        }
        #expect(read("out.xml", in: directory).contains("***"))
    }

    @Test("two suites with the same login sign in once; a token about to expire is not reused")
    func aTokenIsReusedUntilItExpires() async throws {
        let lasting = try await SignInApp(email: Self.email, password: Self.password, jwtSecret: Self.jwtSecret)
        let directory = try project(lasting, files: ["checks/a.yml": Self.subscriptionsSuite(), "checks/b.yml": Self.subscriptionsSuite()])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(
            ["verify", "checks/a.yml", "checks/b.yml", "-e", "staging"], in: directory, environment: Self.environment)
        #expect(output.status == 0, "\(output.all)")
        #expect(try await lasting.stats().jsonLogins == 1, "\(output.stdout)")
        #expect(output.stdout.contains("verify staging: 7 of 7 checks passed"), "the second suite sends no login: \(output.stdout)")

        // Tokens of 10 s are within the 30 s margin at once: each suite signs in again.
        let brief = try await SignInApp(email: Self.email, password: Self.password, jwtSecret: Self.jwtSecret, tokenLifetime: 10)
        let again = try project(brief, files: ["checks/a.yml": Self.subscriptionsSuite(), "checks/b.yml": Self.subscriptionsSuite()])
        defer { try? FileManager.default.removeItem(at: again) }
        let second = try await RolloutCLI.run(["verify", "checks/a.yml", "checks/b.yml", "-e", "staging"], in: again, environment: Self.environment)
        #expect(second.status == 0, "\(second.all)")
        #expect(try await brief.stats().jsonLogins == 2, "\(second.stdout)")
    }

    @Test("in a playbook, a check step signs in once for two check steps, and the secret token is in no output or record")
    func aCheckStepKeepsTheTokenOutOfTheRunRecord() async throws {
        let app = try await SignInApp(email: Self.email, password: Self.password, jwtSecret: Self.jwtSecret)
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write(
            "deploy.yml",
            """
            name: session-checks
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            secrets:
              password: { env: APP_PASSWORD }
            vars:
              base_url: "\(app.baseURL)"
              user_email: "\(Self.email)"
            steps:
              - name: API signed in
                check: api.yml
              - name: API signed in, once more
                check: leaky.yml
                ignore_failure: true
            """)
        try sandbox.write("api.yml", Self.subscriptionsSuite())
        try sandbox.write(
            "leaky.yml",
            Self.subscriptionsSuite(
                extraChecks: """
                      - name: the token, echoed
                        request: GET /api/v1/billing/subscription
                        headers: { Authorization: "Bearer {{ captured.token }}" }
                        expect: { body_contains: "{{ captured.token }}" }
                    """))
        let output = try await sandbox.rollout(
            ["run", "deploy.yml", "-e", "sandbox", "--json", "report.jsonl", "--junit", "report.xml"],
            environment: Self.environment)
        #expect(output.status == 0, "the echo check fails, and is allowed to: \(output.all)")
        #expect(output.all.contains("body: expected to contain '***'"), "\(output.all)")
        #expect(try await app.stats().jsonLogins == 1, "the second step reuses the session: \(output.all)")
        #expect(!output.all.contains(Self.tokenStart), "the token is in the output")
        let files = sandbox.allFiles()
        #expect(files.contains { $0.path.contains("/runs/") }, "a run record was written")
        for file in files {
            let contents = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            #expect(!contents.contains(Self.tokenStart), "the token is in \(file.path)")
            #expect(!contents.contains(Self.password), "the password is in \(file.path)")
        }
    }

    @Test("the shipped suites (checks/youarecoder-signed-in.yml, checks/subscriptions-api.yml) pass against the app, one login each")
    func theShippedSuitesPass() async throws {
        let app = try await SignInApp(email: Self.email, password: Self.password, jwtSecret: Self.jwtSecret)
        let shipped = packageRoot.appendingPathComponent("checks")
        let directory = try project(
            app,
            files: [
                "checks/youarecoder-signed-in.yml": try String(
                    contentsOf: shipped.appendingPathComponent("youarecoder-signed-in.yml"), encoding: .utf8),
                "checks/subscriptions-api.yml": try String(contentsOf: shipped.appendingPathComponent("subscriptions-api.yml"), encoding: .utf8),
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(
            ["verify", "checks/youarecoder-signed-in.yml", "checks/subscriptions-api.yml", "-e", "staging", "--var", "ops_email=\(Self.email)"],
            in: directory, environment: ["YOUARECODER_OPS_PASSWORD": Self.password, "SUBSCRIPTIONS_OPS_PASSWORD": Self.password])
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("youarecoder signed in › an unknown plan is refused while signed in: 400, "), "\(output.stdout)")
        #expect(output.stdout.contains("subscriptions API › the subscription is active: 200, "), "\(output.stdout)")
        #expect(output.stdout.contains("verify staging: 9 of 9 checks passed"), "\(output.stdout)")
        let stats = try await app.stats()
        #expect(stats.formLogins == 1 && stats.jsonLogins == 1)
        #expect(!output.all.contains(Self.password) && !output.all.contains(Self.tokenStart))
    }
}
