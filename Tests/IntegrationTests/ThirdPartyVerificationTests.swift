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
    func judge(
        _ provider: String, _ arguments: [String], verifierSecretEnvironment: String = "SMOKE_WHSEC",
        show paths: [String] = []
    ) async throws -> (accepted: Bool, verdict: String) {
        let secretOptions =
            provider == "stripe"
            ? ["--secret-env", "SMOKE_WHSEC"]
            : ["--key-env", "SMOKE_PAYTR_KEY", "--salt-env", "SMOKE_PAYTR_SALT"]
        let signed = try await CommandRun.run(
            try BuiltTools.rollout(), ["sign", provider, "--format", "json"] + secretOptions + arguments,
            environment: Self.environment)
        #expect(signed.status == 0, "rollout sign failed: \(signed.stderrText)")
        let verdict = try await CommandRun.run(
            try BuiltTools.venvPython(),
            [
                BuiltTools.verifier.path, "--stripe-secret-env", verifierSecretEnvironment, "--paytr-key-env", "SMOKE_PAYTR_KEY", "--paytr-salt-env",
                "SMOKE_PAYTR_SALT",
            ] + paths.flatMap { ["--show", $0] }, environment: Self.environment, stdin: signed.stdout)
        #expect(verdict.status == 0 || verdict.status == 1, "verifier error: \(verdict.stderrText)")
        return (verdict.status == 0, verdict.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("Stripe payment_intent.succeeded: valid accepted; --tamper, --wrong-secret and --stale 400 rejected")
    func stripePaymentIntent() async throws {
        let valid = try await judge("stripe", ["--event", "payment_intent.succeeded"])
        #expect(valid.accepted && valid.verdict.hasPrefix("accept payment_intent.succeeded evt_"), "\(valid.verdict)")
        let tampered = try await judge("stripe", ["--event", "payment_intent.succeeded", "--tamper"])
        #expect(!tampered.accepted && tampered.verdict == "reject: No signatures found matching the expected signature for payload")
        let wrong = try await judge("stripe", ["--event", "payment_intent.succeeded", "--wrong-secret"])
        #expect(!wrong.accepted && wrong.verdict == "reject: No signatures found matching the expected signature for payload")
        let stale = try await judge("stripe", ["--stale", "400"])
        #expect(!stale.accepted && stale.verdict.hasPrefix("reject: Timestamp outside the tolerance zone"))
    }

    @Test(
        "every Stripe event type, with overrides, a chosen api_version and a pretty body, is accepted",
        arguments: [
            "payment_intent.created", "payment_intent.succeeded", "payment_intent.payment_failed", "charge.succeeded", "charge.refunded",
            "checkout.session.completed", "checkout.session.expired", "customer.subscription.created",
            "customer.subscription.updated", "customer.subscription.deleted", "invoice.paid", "invoice.payment_succeeded",
            "invoice.payment_failed", "customer.updated",
        ])
    func stripeEventTypes(type: String) async throws {
        let result = try await judge(
            "stripe",
            [
                "--event", type, "--api-version", "2025-03-31.basil", "--set", "metadata.booking_id=42",
                "--set", "data.object.description=Müşteri – €",
            ] + (type.hasPrefix("invoice") ? ["--pretty"] : []))
        #expect(
            result.accepted && result.verdict.hasPrefix("accept \(type) evt_") && result.verdict.hasSuffix("api_version=2025-03-31.basil"),
            "\(result.verdict)")
    }

    @Test(
        "PayTR success and failed: valid accepted; --tamper and --wrong-secret rejected",
        arguments: [
            ["--status", "success", "--amount", "2970.00"],
            ["--status", "failed", "--reason-code", "2", "--reason-msg", "Kimlik Doğrulama başarısız. Lütfen tekrar deneyin."],
        ])
    func paytr(arguments: [String]) async throws {
        let status = arguments[1]
        let valid = try await judge("paytr", arguments + ["--merchant-oid", "SMK20260101A1"])
        let total = status == "success" ? "297000" : "0"
        #expect(valid.accepted && valid.verdict == "accept \(status) SMK20260101A1 total_amount=\(total)", "\(valid.verdict)")
        let tampered = try await judge("paytr", arguments + ["--tamper"])
        #expect(!tampered.accepted && tampered.verdict == "reject: bad hash")
        let wrong = try await judge("paytr", arguments + ["--wrong-secret"])
        #expect(!wrong.accepted && wrong.verdict == "reject: bad hash")
    }

    @Test("a PayTR Link API callback (callback_id signed first) is accepted")
    func paytrLink() async throws {
        let result = try await judge("paytr", ["--callback-id", "CB20260101", "--merchant-id", "100001", "--amount", "144.50"])
        #expect(result.accepted && result.verdict.hasSuffix("total_amount=14450"), "\(result.verdict)")
    }

    @Test(
        "invoice.payment_succeeded --api-version 2024-06-20: stripe parses invoice.subscription (and lines naming it); the default version parent.subscription_details.subscription instead"
    )
    func stripeInvoiceShapePerAPIVersion() async throws {
        let paths = [
            "data.object.subscription", "data.object.parent.subscription_details.subscription", "data.object.lines.data.0.subscription",
            "data.object.id", "data.object.lines.data.0.invoice",
        ]
        func fields(_ verdict: String) -> [String: String] {
            Dictionary(
                verdict.split(separator: "\n").dropFirst().map { line in
                    let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                    return (parts[0], parts.count > 1 ? parts[1] : "")
                }, uniquingKeysWith: { $1 })
        }
        let pinned = try await judge("stripe", ["--event", "invoice.payment_succeeded", "--api-version", "2024-06-20"], show: paths)
        #expect(pinned.accepted && pinned.verdict.hasPrefix("accept invoice.payment_succeeded evt_"), "\(pinned.verdict)")
        #expect(pinned.verdict.split(separator: "\n").first?.hasSuffix("api_version=2024-06-20") == true, "\(pinned.verdict)")
        let old = fields(pinned.verdict)
        let subscription = try #require(old["data.object.subscription"])
        #expect(subscription.hasPrefix("\"sub_"), "\(pinned.verdict)")
        #expect(old["data.object.parent.subscription_details.subscription"] == "<absent>")
        #expect(old["data.object.lines.data.0.subscription"] == subscription)
        #expect(old["data.object.lines.data.0.invoice"] == old["data.object.id"])

        let current = try await judge("stripe", ["--event", "invoice.payment_succeeded"], show: paths)
        #expect(current.accepted, "\(current.verdict)")
        let new = fields(current.verdict)
        #expect(new["data.object.parent.subscription_details.subscription"]?.hasPrefix("\"sub_") == true, "\(current.verdict)")
        #expect(new["data.object.subscription"] == "<absent>" && new["data.object.lines.data.0.subscription"] == "<absent>")
        #expect(new["data.object.lines.data.0.invoice"] == new["data.object.id"])
    }

    @Test("during a secret rotation the header carries two v1, and an endpoint with either secret accepts it")
    func stripeRotation() async throws {
        for endpointSecret in ["SMOKE_WHSEC", "SMOKE_WHSEC_OLD"] {
            let result = try await judge("stripe", ["--previous-secret-env", "SMOKE_WHSEC_OLD"], verifierSecretEnvironment: endpointSecret)
            #expect(result.accepted, "endpoint with \(endpointSecret): \(result.verdict)")
        }
        let single = try await judge("stripe", [], verifierSecretEnvironment: "SMOKE_WHSEC_OLD")
        #expect(!single.accepted)
    }
}
