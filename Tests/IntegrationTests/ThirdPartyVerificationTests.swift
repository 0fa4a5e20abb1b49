import Foundation
import Testing

/// The built `rollout sign` judged by the providers' own libraries (stripe 16.1.0 and
/// paytr-python 0.3.0 in .venv/), never by Rollout's code.
@Suite("rollout sign, verified by stripe and paytr-python")
struct ThirdPartyVerificationTests {
    static let stripeSecret = "whsec_smoketest2f9c1e7a4b6d8e0f1a3c5e7b9d1f3a5c"
    static let environment = [
        "SMOKE_WHSEC": stripeSecret,
        "SMOKE_WHSEC_OLD": "whsec_previousSecretBeingRolled0000000000",
        "SMOKE_PAYTR_KEY": "K3yForSmokeTests",
        "SMOKE_PAYTR_SALT": "S4ltForSmokeTst1",
    ]

    /// Signs with the built binary (secret in an environment variable) and returns the verifier's
    /// verdict line and whether it accepted.
    func judge(_ provider: String, _ arguments: [String], verifierSecretEnvironment: String = "SMOKE_WHSEC") throws -> (accepted: Bool, verdict: String) {
        let secretOptions = provider == "stripe"
            ? ["--secret-env", "SMOKE_WHSEC"]
            : ["--key-env", "SMOKE_PAYTR_KEY", "--salt-env", "SMOKE_PAYTR_SALT"]
        let signed = try CommandRun.run(try BuiltTools.rollout(), ["sign", provider, "--format", "json"] + secretOptions + arguments,
                                        environment: Self.environment)
        #expect(signed.status == 0, "rollout sign failed: \(signed.stderrText)")
        let verdict = try CommandRun.run(try BuiltTools.venvPython(), [
            BuiltTools.verifier.path, "--stripe-secret-env", verifierSecretEnvironment, "--paytr-key-env", "SMOKE_PAYTR_KEY", "--paytr-salt-env", "SMOKE_PAYTR_SALT",
        ], environment: Self.environment, stdin: signed.stdout)
        #expect(verdict.status == 0 || verdict.status == 1, "verifier error: \(verdict.stderrText)")
        return (verdict.status == 0, verdict.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("Stripe payment_intent.succeeded: valid accepted; --tamper, --wrong-secret and --stale 400 rejected")
    func stripePaymentIntent() throws {
        let valid = try judge("stripe", ["--event", "payment_intent.succeeded"])
        #expect(valid.accepted && valid.verdict.hasPrefix("accept payment_intent.succeeded evt_"), "\(valid.verdict)")
        let tampered = try judge("stripe", ["--event", "payment_intent.succeeded", "--tamper"])
        #expect(!tampered.accepted && tampered.verdict == "reject: No signatures found matching the expected signature for payload")
        let wrong = try judge("stripe", ["--event", "payment_intent.succeeded", "--wrong-secret"])
        #expect(!wrong.accepted && wrong.verdict == "reject: No signatures found matching the expected signature for payload")
        let stale = try judge("stripe", ["--stale", "400"])
        #expect(!stale.accepted && stale.verdict.hasPrefix("reject: Timestamp outside the tolerance zone"))
    }

    @Test("every Stripe event type, with overrides, a chosen api_version and a pretty body, is accepted",
          arguments: ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded", "checkout.session.completed",
                      "customer.subscription.updated", "customer.subscription.deleted", "invoice.payment_succeeded",
                      "invoice.payment_failed", "customer.updated"])
    func stripeEventTypes(type: String) throws {
        let result = try judge("stripe", ["--event", type, "--api-version", "2025-03-31.basil", "--set", "data.object.metadata.booking_id=42",
                                          "--set", "data.object.description=Müşteri – €"] + (type.hasPrefix("invoice") ? ["--pretty"] : []))
        #expect(result.accepted && result.verdict.hasPrefix("accept \(type) evt_") && result.verdict.hasSuffix("api_version=2025-03-31.basil"),
                "\(result.verdict)")
    }

    @Test("PayTR success and failed: valid accepted; --tamper and --wrong-secret rejected", arguments: [
        ["--status", "success", "--amount", "2970.00"],
        ["--status", "failed", "--reason-code", "2", "--reason-msg", "Kimlik Doğrulama başarısız. Lütfen tekrar deneyin."],
    ])
    func paytr(arguments: [String]) throws {
        let status = arguments[1]
        let valid = try judge("paytr", arguments + ["--merchant-oid", "SMK20260101A1"])
        let total = status == "success" ? "297000" : "0"
        #expect(valid.accepted && valid.verdict == "accept \(status) SMK20260101A1 total_amount=\(total)", "\(valid.verdict)")
        let tampered = try judge("paytr", arguments + ["--tamper"])
        #expect(!tampered.accepted && tampered.verdict == "reject: bad hash")
        let wrong = try judge("paytr", arguments + ["--wrong-secret"])
        #expect(!wrong.accepted && wrong.verdict == "reject: bad hash")
    }

    @Test("a PayTR Link API callback (callback_id signed first) is accepted")
    func paytrLink() throws {
        let result = try judge("paytr", ["--callback-id", "CB20260101", "--merchant-id", "100001", "--amount", "144.50"])
        #expect(result.accepted && result.verdict.hasSuffix("total_amount=14450"), "\(result.verdict)")
    }

    @Test("during a secret rotation the header carries two v1, and an endpoint with either secret accepts it")
    func stripeRotation() throws {
        for endpointSecret in ["SMOKE_WHSEC", "SMOKE_WHSEC_OLD"] {
            let result = try judge("stripe", ["--previous-secret-env", "SMOKE_WHSEC_OLD"], verifierSecretEnvironment: endpointSecret)
            #expect(result.accepted, "endpoint with \(endpointSecret): \(result.verdict)")
        }
        let single = try judge("stripe", [], verifierSecretEnvironment: "SMOKE_WHSEC_OLD")
        #expect(!single.accepted)
    }
}
