import Foundation
import TestSupport
import Testing

/// What a user sees from the built `rollout sign` on bad input and when sending.
@Suite("rollout sign: input errors, exit codes and --send")
struct SignCommandTests {
    static let environment = [
        "STRIPE_WEBHOOK_SECRET": "whsec_smoketest2f9c1e7a4b6d8e0f1a3c5e7b9d1f3a5c",
        "PAYTR_MERCHANT_KEY": "K3yForSmokeTests",
        "PAYTR_MERCHANT_SALT": "S4ltForSmokeTst1",
    ]

    func rollout(_ arguments: [String], environment: [String: String] = SignCommandTests.environment) async throws -> CommandRun {
        try await CommandRun.run(try BuiltTools.rollout(), ["sign"] + arguments, environment: environment)
    }

    /// Exactly one `error: …` line on stderr, nothing on stdout, and the expected exit code.
    func expectOneLineError(_ run: CommandRun, status: Int32, containing fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == status, "exit \(run.status): \(run.stderrText)", sourceLocation: sourceLocation)
        let lines = run.stderrText.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("error: ") == true, "stderr: \(run.stderrText)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(run.stderrText.contains(fragment), "stderr lacks `\(fragment)`: \(run.stderrText)", sourceLocation: sourceLocation)
        }
        #expect(run.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test(
        "a secret on the command line is refused, saying why",
        arguments: [
            ["stripe", "--secret", "whsec_abc"], ["stripe", "--webhook-secret", "whsec_abc"], ["paytr", "--key", "K3y"],
            ["paytr", "--salt", "S4lt"], ["paytr", "--merchant-key", "K3y"],
        ])
    func secretOnArgv(arguments: [String]) async throws {
        let run = try await rollout(arguments)
        expectOneLineError(run, status: 2, containing: ["`ps`", "-env NAME", "-file PATH"])
        #expect(!run.stderrText.contains("whsec_abc") && !run.stderrText.contains("K3y") && !run.stderrText.contains("S4lt"))
    }

    @Test("an unknown event type lists the known ones")
    func unknownEvent() async throws {
        expectOneLineError(
            try await rollout(["stripe", "--event", "payment_intent.canceled"]), status: 2,
            containing: [
                "unknown event type `payment_intent.canceled`", "payment_intent.succeeded", "charge.refunded", "customer.updated",
            ])
    }

    @Test(
        "other bad values are invalid input with one line",
        arguments: [
            (["stripe", "--set", "data.object.currency.code=usd"], "cannot set `data.object.currency.code`"),
            (["stripe", "--set", "amount"], "expected `path=value`"),
            (["stripe", "--set", "currency.code=usd"], "cannot set `data.object.currency.code`"),
            (["stripe", "--set", "$=1"], "`$` alone is the whole event"),
            (["stripe", "--api-version", "basil"], "--api-version `basil` is not a Stripe API version"),
            (["stripe", "--currency", "dollars"], "--currency must be a three-letter code"),
            (["stripe", "--amount=-5"], "--amount must be 0 or more minor units"),
            (["paytr", "--status", "paid"], "unknown --status `paid`"),
            (["paytr", "--currency", "JPY"], "unknown currency `JPY`"),
            (["paytr", "--merchant-oid", "SMK-1"], "merchant_oid `SMK-1` may contain only ASCII letters and digits"),
            (["paytr", "--callback-id", "CB1"], "needs --merchant-id"),
        ])
    func otherBadInput(arguments: [String], message: String) async throws {
        expectOneLineError(try await rollout(arguments), status: 2, containing: [message])
    }

    @Test(
        "a malformed amount is invalid input",
        arguments: [("1.234", "more than 2 digits"), ("abc", "not a decimal"), ("-5", "negative"), ("1,5", "not a decimal")])
    func malformedAmount(amount: String, reason: String) async throws {
        expectOneLineError(try await rollout(["paytr", "--amount", amount]), status: 2, containing: ["amount `\(amount)`", reason])
    }

    @Test("a missing secret variable names the variable and the options")
    func missingEnvironment() async throws {
        expectOneLineError(
            try await rollout(["stripe", "--secret-env", "NO_SUCH_SECRET_VAR"], environment: [:]), status: 2,
            containing: ["NO_SUCH_SECRET_VAR", "is not set", "--secret-file PATH"])
        expectOneLineError(try await rollout(["paytr"], environment: [:]), status: 2, containing: ["PAYTR_MERCHANT_KEY", "is not set"])
    }

    @Test("an empty secret file is refused; a file with a trailing newline signs like the variable")
    func secretFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty")
        let secret = directory.appendingPathComponent("whsec")
        try Data().write(to: empty)
        try Data("whsec_smoketest2f9c1e7a4b6d8e0f1a3c5e7b9d1f3a5c\n".utf8).write(to: secret)
        expectOneLineError(try await rollout(["stripe", "--secret-file", empty.path]), status: 2, containing: ["\(empty.path) is empty"])
        expectOneLineError(
            try await rollout(["stripe", "--secret-file", directory.appendingPathComponent("absent").path]), status: 2, containing: ["no such file"])
        let fixed = ["stripe", "--seed", "9", "--timestamp", "1767225600", "--format", "json"]
        let fromFile = try await rollout(fixed + ["--secret-file", secret.path], environment: [:])
        let fromEnvironment = try await rollout(fixed)
        #expect(fromFile.status == 0 && !fromFile.stdout.isEmpty)
        #expect(fromFile.stdout == fromEnvironment.stdout)
    }

    @Test("an unreachable --send URL exits 5 with one line")
    func unreachable() async throws {
        let url = "http://127.0.0.1:\(try closedLoopbackPort())/billing/callback"
        expectOneLineError(try await rollout(["paytr", "--send", url, "--expect", "200"]), status: 5, containing: ["cannot connect to \(url)"])
    }

    @Test("--send prints status, time and body; --expect and --expect-body decide the exit code")
    func send() async throws {
        let server = try await LoopbackHTTPServer()
        let ok = try await rollout(["paytr", "--send", server.baseURL + "/ok", "--expect", "200", "--expect-body", "OK"])
        #expect(ok.status == 0, "\(ok.stderrText)")
        #expect(ok.stdoutText.hasPrefix("HTTP 200 in ") && ok.stdoutText.hasSuffix(" ms\nOK\n"), "\(ok.stdoutText)")
        let rejected = try await rollout(["paytr", "--tamper", "--send", server.baseURL + "/reject", "--expect", "200"])
        #expect(rejected.status == 1 && rejected.stderrText == "error: \(server.baseURL)/reject answered 400, expected 200\n")
        let wrongBody = try await rollout(["stripe", "--send", server.baseURL + "/echo", "--expect", "201"])
        #expect(wrongBody.status == 0 && wrongBody.stdoutText.contains(#""object":"event""#))
    }

    @Test("the curl format is a runnable command whose body arrives byte for byte")
    func curlFormat() async throws {
        let server = try await LoopbackHTTPServer()
        let json = try await rollout([
            "stripe", "--seed", "3", "--timestamp", "1767225600", "--set", "data.object.description=it's \"quoted\" – ok", "--format", "json",
            "--url", server.baseURL + "/echo",
        ])
        let curl = try await rollout([
            "stripe", "--seed", "3", "--timestamp", "1767225600", "--set", "data.object.description=it's \"quoted\" – ok", "--format", "curl",
            "--url", server.baseURL + "/echo",
        ])
        let sent = try await CommandRun.run(URL(fileURLWithPath: "/bin/sh"), ["-c", curl.stdoutText])
        let document = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect(sent.status == 0, "\(sent.stderrText)")
        #expect(sent.stdoutText == document?["body"] as? String)
    }

    @Test("the http format is a raw request with Host and an exact Content-Length")
    func httpFormat() async throws {
        let run = try await rollout([
            "paytr", "--merchant-oid", "SMK20260101A1", "--amount", "2970", "--url", "http://127.0.0.1:8080/billing/callback",
        ])
        let text = run.stdoutText
        let body =
            "merchant_oid=SMK20260101A1&status=success&total_amount=297000&payment_type=card&payment_amount=297000&currency=TL&test_mode=1&hash=tLyJv7uQcr3AcW1gh5vWzSW8FX7Ungbs9BiKQby0WyM%3D"
        #expect(
            text
                == "POST /billing/callback HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                + body)
    }

    @Test("help explains every option with examples", arguments: [["--help"], ["paytr", "--help"], ["stripe", "--help"]])
    func help(arguments: [String]) async throws {
        let run = try await rollout(arguments)
        #expect(run.status == 0)
        #expect(run.stdoutText.contains("Examples:"))
        #expect(!run.stdoutText.contains("--secret <") && !run.stdoutText.contains("--key <"))
    }
}
