/// Sends signed PayTR or Stripe test callbacks to the live endpoint and checks the answer.
/// Scenarios: `valid`, `tampered` (bad signature), `replay` (the same callback twice), `stale`
/// (an old timestamp), `failed` (a failed payment). `count`/`concurrency` turn it into a load
/// test. No undo.
public struct CallbackStep: Step {
    public static let kind = "callback"
    public static let optionKeys = ["paytr", "stripe", "url", "scenario", "event", "fields", "count", "concurrency", "expect"]
    public static let resultFields = RegisteredResult.commonFields + ["status", "body"]
    public static let scenarios = ["valid", "tampered", "replay", "stale", "failed"]

    /// Who signs the callback, with which keys.
    public enum Provider: Sendable, Hashable {
        case paytr(merchantID: Template?, key: Template, salt: Template)
        case stripe(secret: Template, apiVersion: Template?)
    }

    public var provider: Provider
    public var url: Template
    public var scenario: String
    /// Stripe event type (default `payment_intent.succeeded`); ignored for PayTR.
    public var event: String?
    /// Payload fields to set (`merchant_oid`, `total_amount`, `amount`, …).
    public var fields: [TemplateEntry]
    public var count: Int
    public var concurrency: Int
    /// Acceptable statuses (default 200).
    public var expectStatus: [Int]
    public var expectBodyContains: [Template]

    public init?(options: OptionReader, context: StepDecodingContext) {
        let chosen = options.exactlyOne(of: ["paytr", "stripe"])
        var provider: Provider?
        if let paytr = options.mapping("paytr", allowed: ["merchant_id", "key", "salt"]) {
            let key = paytr.template("key", required: true)
            let salt = paytr.template("salt", required: true)
            if let key, let salt { provider = .paytr(merchantID: paytr.template("merchant_id"), key: key, salt: salt) }
        }
        if let stripe = options.mapping("stripe", allowed: ["secret", "api_version"]) {
            let secret = stripe.template("secret", required: true)
            if let secret { provider = .stripe(secret: secret, apiVersion: stripe.template("api_version")) }
        }
        let url = options.template("url", required: true)
        scenario = options.choice("scenario", Self.scenarios) ?? "valid"
        event = options.string("event")
        if event != nil, chosen == "paytr" { options.error("'event' applies only to stripe callbacks", at: "event") }
        fields = options.templateMap("fields") ?? []
        count = options.int("count", in: 1...100_000) ?? 1
        concurrency = options.int("concurrency", in: 1...1000) ?? 1
        expectStatus = [200]
        expectBodyContains = []
        if let expect = options.mapping("expect", allowed: ["status", "body_contains"]) {
            if let status = expect.ints("status", in: 100...599) { expectStatus = status }
            expectBodyContains = expect.templates("body_contains") ?? []
        }
        guard let provider, let url else { return nil }
        self.provider = provider
        self.url = url
    }

    public var mutates: Bool { false }

    public var summary: String {
        switch provider {
        case .paytr: "callback paytr \(scenario)"
        case .stripe: "callback stripe \(event ?? "payment_intent.succeeded") \(scenario)"
        }
    }
}
