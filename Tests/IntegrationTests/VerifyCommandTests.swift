import Foundation
import TestSupport
import Testing

/// The built `rollout verify` as CI runs it after a deploy: check suites sent from this machine
/// to a real loopback HTTP server, exit codes, the JUnit and JSON reports, and masking.
@Suite("rollout verify: check suites, exit codes, reports and masking")
struct VerifyCommandTests {
    static let token = "tok-Verify-8d1f3b"

    /// A scratch directory holding `inventory.yml` (environment `staging` whose `base_url` is
    /// `baseURL`) and the given files.
    func project(baseURL: String, files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("checks"), withIntermediateDirectories: true)
        try """
        environments:
          staging:
            vars: { base_url: "\(baseURL)" }
            hosts:
              web1: { address: 192.0.2.10 }
        """.write(to: directory.appendingPathComponent("inventory.yml"), atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    func verify(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) async throws -> RolloutCLI.Output {
        try await RolloutCLI.run(["verify"] + arguments, in: directory, environment: environment)
    }

    func read(_ name: String, in directory: URL) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    @Test("every check passing exits 0, prints one line per check and writes one JUnit testcase per check")
    func allPass() async throws {
        let server = try await LoopbackHTTPServer()
        let directory = try project(
            baseURL: server.baseURL,
            files: [
                "checks/endpoints.yml": """
                name: endpoints
                base_url: "{{ base_url }}"
                checks:
                  - { name: the app answers, request: GET /hello, expect: { status: 200, body_contains: hello } }
                  - { request: GET /billing/, expect: { status: 302, header: { Location: "~ /auth/login" } } }
                  - { request: POST /reject, form: { hash: INVALID }, expect: { status: 400 } }
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await verify(
            ["checks/endpoints.yml", "-e", "staging", "--inventory", "inventory.yml", "--junit", "out.xml", "--json", "verify.jsonl"], in: directory)
        #expect(output.status == 0, "\(output.all)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("endpoints › the app answers: 200, ") && $0.hasSuffix(" ms, pass") }, "\(output.stdout)")
        #expect(lines.contains { $0.hasPrefix("endpoints › GET /billing/: 302, ") && $0.hasSuffix("pass") }, "\(output.stdout)")
        #expect(lines.last?.hasPrefix("verify staging: 3 of 3 checks passed in ") == true, "\(output.stdout)")
        #expect(!output.stdout.contains("\u{1B}["), "no colour codes without a terminal")
        let junit = read("out.xml", in: directory)
        #expect(junit.components(separatedBy: "<testcase ").count - 1 == 3, "\(junit)")
        #expect(junit.contains("tests=\"3\" failures=\"0\""), "\(junit)")
        #expect(junit.contains("name=\"the app answers\""), "\(junit)")
        let json = read("verify.jsonl", in: directory).split(separator: "\n")
        #expect(json.count == 4, "\(json)")
        #expect(json.last?.contains("\"event\":\"verify_finished\"") == true && json.last?.contains("\"failed\":0") == true, "\(json)")
    }

    @Test("one failing check exits 1 and names it with what was expected and what came back, in the output and the JUnit report")
    func oneFails() async throws {
        let server = try await LoopbackHTTPServer()
        let directory = try project(
            baseURL: server.baseURL,
            files: [
                "checks/endpoints.yml": """
                name: endpoints
                base_url: "{{ base_url }}"
                checks:
                  - { request: GET /hello }
                  - { name: the login redirect, request: GET /billing/, expect: { status: 302, header: { Location: "~ /admin" } } }
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        // No --inventory and none beside the suite: inventory.yml of the current directory.
        let output = try await verify(["checks/endpoints.yml", "-e", "staging", "--junit", "out.xml"], in: directory)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("endpoints › GET /hello: 200, "), "\(output.stdout)")
        #expect(output.stdout.contains("endpoints › the login redirect: 302, "), "\(output.stdout)")
        #expect(output.stdout.contains("FAIL"), "\(output.stdout)")
        #expect(output.stdout.contains("expected ~ /admin, got '/auth/login?next=/billing/'"), "\(output.stdout)")
        #expect(output.stdout.contains("1 of 2 checks passed, 1 failed"), "\(output.stdout)")
        let junit = read("out.xml", in: directory)
        #expect(junit.contains("failures=\"1\""), "\(junit)")
        #expect(junit.contains("<testcase classname=\"staging.endpoints\" name=\"the login redirect\""), "\(junit)")
        #expect(junit.contains("<failure message=\"header Location: expected ~ /admin, got &apos;/auth/login?next=/billing/&apos;\""), "\(junit)")
    }

    @Test("a suite with a mistake exits 2 with its file:line:column and sends nothing")
    func invalidSuite() async throws {
        let server = try await LoopbackHTTPServer()
        let directory = try project(
            baseURL: server.baseURL,
            files: [
                "checks/endpoints.yml": """
                name: endpoints
                base_url: "{{ base_ur }}"
                checks:
                  - { request: GET /hello }
                  - { request: FETCH /hello }
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await verify(["checks/endpoints.yml", "-e", "staging", "--junit", "out.xml"], in: directory)
        #expect(output.status == 2, "\(output.all)")
        #expect(output.stderr.contains("checks/endpoints.yml:2:"), "\(output.stderr)")
        #expect(output.stderr.contains("base_url"), "did you mean: \(output.stderr)")
        #expect(output.stderr.contains("checks/endpoints.yml:5:"), "\(output.stderr)")
        #expect(output.stdout.isEmpty, "\(output.stdout)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.xml").path))
    }

    @Test("an unknown environment or a missing inventory exits 2 naming the file and what to pass")
    func missingInventory() async throws {
        let directory = try project(
            baseURL: "http://127.0.0.1:9",
            files: [
                "checks/endpoints.yml": """
                base_url: "{{ base_url }}"
                checks: [ { request: GET /hello } ]
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let unknown = try await verify(["checks/endpoints.yml", "-e", "stagin"], in: directory)
        #expect(unknown.status == 2, "\(unknown.all)")
        #expect(unknown.stderr.contains("no environment 'stagin' in inventory.yml"), "\(unknown.stderr)")
        try FileManager.default.removeItem(at: directory.appendingPathComponent("inventory.yml"))
        let missing = try await verify(["checks/endpoints.yml", "-e", "staging"], in: directory)
        #expect(missing.status == 2, "\(missing.all)")
        #expect(missing.stderr.contains("checks/inventory.yml and inventory.yml do not exist"), "\(missing.stderr)")
        #expect(missing.stderr.contains("--inventory FILE"), "\(missing.stderr)")
    }

    @Test("nothing answering any check exits 5")
    func nothingAnswers() async throws {
        let directory = try project(
            baseURL: "http://127.0.0.1:\(try closedLoopbackPort())",
            files: [
                "checks/endpoints.yml": """
                base_url: "{{ base_url }}"
                checks: [ { request: GET /health }, { request: GET /hello } ]
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await verify(["checks/endpoints.yml", "-e", "staging"], in: directory)
        #expect(output.status == 5, "\(output.all)")
        #expect(output.stdout.contains("GET /health: no response, -, FAIL"), "\(output.stdout)")
        #expect(output.stdout.contains("(nothing answered)"), "\(output.stdout)")
    }

    @Test("a secret the suite sends in a header appears in no output, JUnit or JSON report, even when its check fails")
    func secretMasked() async throws {
        let server = try await LoopbackHTTPServer()
        let directory = try project(
            baseURL: server.baseURL,
            files: [
                "checks/endpoints.yml": """
                name: "api {{ secrets.token }}"
                base_url: "{{ base_url }}"
                secrets:
                  token: { env: VERIFY_TOKEN }
                checks:
                  - name: "echo {{ secrets.token }}"
                    request: POST /echo
                    headers: { Authorization: "Bearer {{ secrets.token }}" }
                    body: "{{ secrets.token }}"
                    expect: { status: 200, body_contains: "{{ secrets.token }}" }
                  - name: the echo shows the token back
                    request: POST /echo
                    body: "token={{ secrets.token }}"
                    expect: { status: 201, body_contains: nothing-like-this }
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await verify(
            ["checks/endpoints.yml", "-e", "staging", "--junit", "out.xml", "--json", "verify.jsonl"],
            in: directory, environment: ["VERIFY_TOKEN": Self.token])
        #expect(output.status == 1, "the echo answers 201: \(output.all)")
        #expect(output.stdout.contains("status: expected 200, got 201"), "\(output.stdout)")
        #expect(output.stdout.contains("echo ***"), "\(output.stdout)")
        #expect(output.stdout.contains("body: expected to contain 'nothing-like-this', got 'token=***'"), "\(output.stdout)")
        let junit = read("out.xml", in: directory)
        let json = read("verify.jsonl", in: directory)
        #expect(junit.contains("<failure") && json.contains("\"passed\":false"), "\(junit)\n\(json)")
        for text in [output.stdout, output.stderr, junit, json] {
            #expect(!text.contains(Self.token), "\(text)")
        }
        let unset = try await verify(["checks/endpoints.yml", "-e", "staging"], in: directory)
        #expect(unset.status == 2, "\(unset.all)")
        #expect(unset.stderr.contains("checks/endpoints.yml:4:") && unset.stderr.contains("VERIFY_TOKEN is not set"), "\(unset.stderr)")
    }
}

/// Signed callbacks listed in a suite, judged by the providers' own libraries
/// (`CallbackVerifierServer`), never by Rollout's code.
@Suite("rollout verify: a suite's signed callbacks")
struct VerifyCallbackTests {
    static let whsec = "whsec_verify3b7d1f5a9c2e4b6d8f0a1c3e5b7d9f"
    static let paytrKey = "VerifyKey7Hq2"
    static let paytrSalt = "VerifySalt9Zx4"
    static let environment = ["VERIFY_WHSEC": whsec, "VERIFY_PAYTR_KEY": paytrKey, "VERIFY_PAYTR_SALT": paytrSalt]

    func project(_ suite: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
        environments:
          ci:
            vars: { base_url: "http://127.0.0.1:1" }
            hosts: { web1: { address: 192.0.2.10 } }
        """.write(to: directory.appendingPathComponent("inventory.yml"), atomically: true, encoding: .utf8)
        try suite.write(to: directory.appendingPathComponent("callbacks.yml"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test("valid callbacks are accepted and forged ones refused by the official libraries; exit 0 and no key in any output")
    func callbacksPass() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: Self.paytrKey, paytrSalt: Self.paytrSalt)
        let directory = try project(
            """
            name: payment callbacks
            secrets:
              whsec: { env: VERIFY_WHSEC }
              paytr_key: { env: VERIFY_PAYTR_KEY }
              paytr_salt: { env: VERIFY_PAYTR_SALT }
            callbacks:
              - name: a PayTR notification is booked once
                paytr: { key: "{{ secrets.paytr_key }}", salt: "{{ secrets.paytr_salt }}" }
                url: "\(server.baseURL)/paytr"
                scenario: replay
                fields: { merchant_oid: VERIFY1 }
              - name: a forged PayTR hash is refused
                paytr: { key: "{{ secrets.paytr_key }}", salt: "{{ secrets.paytr_salt }}" }
                url: "\(server.baseURL)/paytr"
                scenario: tampered
                expect: { status: 400 }
              - stripe: { secret: "{{ secrets.whsec }}" }
                url: "\(server.baseURL)/stripe"
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(
            ["verify", "callbacks.yml", "-e", "ci", "--junit", "out.xml"], in: directory, environment: Self.environment)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("payment callbacks › a forged PayTR hash is refused — tampered: 400, "), "\(output.stdout)")
        #expect(output.stdout.contains("payment callbacks › callback stripe payment_intent.succeeded valid — valid: 200, "), "\(output.stdout)")
        #expect(output.stdout.contains("verify ci: 3 of 3 checks passed"), "\(output.stdout)")
        let seen = try await server.seen()
        #expect(seen.ids["VERIFY1"] == 2 && seen.rejected == 1, "\(seen)")
        let junit = (try? String(contentsOf: directory.appendingPathComponent("out.xml"), encoding: .utf8)) ?? ""
        #expect(junit.components(separatedBy: "<testcase ").count - 1 == 3, "\(junit)")
        for text in [output.stdout, output.stderr, junit] {
            for secret in [Self.whsec, Self.paytrKey, Self.paytrSalt] { #expect(!text.contains(secret)) }
        }
    }

    @Test("a callback answered otherwise exits 1 with what was expected and what came back")
    func callbackFails() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: Self.paytrKey, paytrSalt: Self.paytrSalt)
        let directory = try project(
            """
            secrets: { whsec: { env: VERIFY_WHSEC } }
            callbacks:
              - name: a forged signature is refused
                stripe: { secret: "{{ secrets.whsec }}" }
                url: "\(server.baseURL)/stripe"
                expect: { status: 400 }
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(["verify", "callbacks.yml", "-e", "ci"], in: directory, environment: Self.environment)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("a forged signature is refused — valid: 200, "), "\(output.stdout)")
        #expect(output.stdout.contains("expected status 400, got 200"), "\(output.stdout)")
        #expect(!output.all.contains(Self.whsec))
    }

    @Test("a playbook's check step leaves a suite's callbacks out with a warning, and refuses a suite of callbacks only")
    func checkStepLeavesCallbacksOut() async throws {
        let callbacks = """
            secrets: { whsec: { env: VERIFY_WHSEC } }
            callbacks:
              - { stripe: { secret: "{{ secrets.whsec }}" }, url: "http://127.0.0.1:1/stripe" }
            """
        let directory = try project(callbacks)
        defer { try? FileManager.default.removeItem(at: directory) }
        try (callbacks + "\nbase_url: http://127.0.0.1:1\nchecks: [ { request: GET /health } ]\n")
            .write(to: directory.appendingPathComponent("both.yml"), atomically: true, encoding: .utf8)
        try """
        name: demo
        inventory: inventory.yml
        steps:
          - check: both.yml
          - check: callbacks.yml
        """.write(to: directory.appendingPathComponent("deploy.yml"), atomically: true, encoding: .utf8)
        let output = try await RolloutCLI.run(["lint", "deploy.yml"], in: directory)
        #expect(output.status == 2, "\(output.all)")
        #expect(output.stderr.contains("deploy.yml:4:5: warning: both.yml: its callbacks: are sent only by rollout verify"), "\(output.stderr)")
        #expect(output.stderr.contains("deploy.yml:5:5: error: callbacks.yml: it has no checks"), "\(output.stderr)")
    }
}
