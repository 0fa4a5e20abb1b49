import BillingCore
import Foundation

/// Sends signed PayTR or Stripe test callbacks to the live endpoint and checks the answer.
/// Scenarios: `valid`, `tampered` (bad signature), `replay` (the same callback twice), `stale`
/// (an old timestamp), `failed` (a failed payment). `count`/`concurrency` turn it into a load
/// test. No undo.
public struct CallbackStep: Step {
    public static let kind = "callback"
    static let paytrOptions: [OptionSpec] = [
        OptionSpec("merchant_id", .text, "PayTR merchant id."),
        OptionSpec("key", .text, required: true, "Merchant key."),
        OptionSpec("salt", .text, required: true, "Merchant salt."),
    ]
    static let stripeOptions: [OptionSpec] = [
        OptionSpec("secret", .text, required: true, "The webhook signing secret."),
        OptionSpec("api_version", .text, "api_version of the events."),
    ]
    static let expectOptions: [OptionSpec] = [
        OptionSpec("status", .numbers, "Acceptable statuses. Default 200."),
        OptionSpec("body_contains", .texts, "Text the body must contain."),
    ]
    public static let options: [OptionSpec] = [
        OptionSpec("paytr", .mapping(paytrOptions), "Sign as PayTR."),
        OptionSpec("stripe", .mapping(stripeOptions), "Sign as Stripe."),
        OptionSpec("url", .text, required: true, "The callback endpoint."),
        OptionSpec("scenario", .choice(scenarios), "valid, tampered, replay, stale or failed. Default valid."),
        OptionSpec("event", .text, "Stripe event type. Default payment_intent.succeeded."),
        OptionSpec("fields", .textMap, "Payload fields to set."),
        OptionSpec("count", .number, "Callbacks to send. Default 1."),
        OptionSpec("concurrency", .number, "How many at a time. Default 1."),
        OptionSpec("expect", .mapping(expectOptions), "status (default 200) and body_contains."),
    ]
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
        if let paytr = options.mapping("paytr", allowed: Self.paytrOptions.names) {
            let key = paytr.template("key", required: true)
            let salt = paytr.template("salt", required: true)
            if let key, let salt { provider = .paytr(merchantID: paytr.template("merchant_id"), key: key, salt: salt) }
        }
        if let stripe = options.mapping("stripe", allowed: Self.stripeOptions.names) {
            let secret = stripe.template("secret", required: true)
            if let secret { provider = .stripe(secret: secret, apiVersion: stripe.template("api_version")) }
        }
        let url = options.template("url", required: true)
        scenario = options.choice("scenario", Self.scenarios) ?? "valid"
        event = options.string("event")
        if event != nil, chosen == "paytr" { options.error("'event' applies only to stripe callbacks", at: "event") }
        if let event, chosen == "stripe", StripeEventType(rawValue: event) == nil {
            let known = StripeEventType.allCases.map(\.rawValue)
            let suggestion = NameSuggestion.closest(to: event, in: known).map { " (did you mean '\($0)'?)" } ?? ""
            options.error("unknown Stripe event type '\(event)'\(suggestion); known types: \(known.joined(separator: ", "))", at: "event")
        }
        if scenario == "stale", chosen == "paytr" {
            options.error("PayTR callbacks carry no timestamp, so 'stale' applies only to stripe callbacks", at: "scenario")
        }
        fields = options.templateMap("fields") ?? []
        count = options.int("count", in: 1...100_000) ?? 1
        concurrency = options.int("concurrency", in: 1...1000) ?? 1
        expectStatus = [200]
        expectBodyContains = []
        if let expect = options.mapping("expect", allowed: Self.expectOptions.names) {
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

extension CallbackStep: RunnableStep {
    /// Sending payment callbacks to the restored app would book payments in it; `check` and
    /// `wait_for` are what show the restored state works.
    public var runsAgainAfterRollback: Bool { false }

    /// The event type a Stripe callback carries: `event`, else a failed or succeeded payment.
    var stripeEventType: StripeEventType {
        event.flatMap(StripeEventType.init(rawValue:)) ?? (scenario == "failed" ? .paymentIntentPaymentFailed : .paymentIntentSucceeded)
    }

    /// How many requests the step sends: `count`, and at least two for a replay.
    var sends: Int { scenario == "replay" ? max(count, 2) : count }

    /// What would be sent, masked; sends nothing.
    public func plan(in context: StepContext) async throws -> StepPlan {
        let url = try context.render(self.url)
        let what = switch provider {
        case .paytr: "PayTR \(scenario == "failed" ? "failed" : "success") notification"
        case .stripe: "Stripe \(stripeEventType.rawValue) event"
        }
        var lines = ["POST \(url.masked): \(what), scenario \(scenario)"]
        if sends > 1 {
            let copies = scenario == "replay" ? "the same callback \(sends) times" : "\(sends) callbacks with distinct ids"
            lines.append("\(copies), \(concurrency) at a time")
        }
        lines.append("expect status \(expectStatus.map(String.init).joined(separator: " or "))"
            + expectBodyContains.map { ", body contains '\(context.masker.mask($0.source))'" }.joined())
        return StepPlan(lines, changes: .none)
    }

    /// Signs and sends the callbacks from the machine running rollout, then judges every answer.
    public func run(in context: StepContext) async throws -> StepRun {
        let url = try context.render(self.url).text
        let signer = try CallbackSigner(self, using: context)
        // The step's `timeout:` bounds each request; without one, 10 s as for `rollout sign --send`.
        let timeout = context.timeout ?? .seconds(10)
        var expectedBody: [String] = []
        for template in expectBodyContains { expectedBody.append(try context.render(template).text) }

        var exchanges: [CallbackExchange]
        if scenario == "replay" {
            let callback = try signer.callback(number: 0)
            exchanges = await Self.send([("first", callback)], to: url, concurrency: 1, timeout: timeout, http: context.http)
            let copies = Array(repeating: ("replay", callback), count: sends - 1)
            exchanges += await Self.send(copies, to: url, concurrency: concurrency, timeout: timeout, http: context.http)
        } else {
            var callbacks: [(kind: String, callback: SignedTestCallback)] = []
            for number in 0..<sends { callbacks.append((scenario, try signer.callback(number: number))) }
            exchanges = await Self.send(callbacks, to: url, concurrency: concurrency, timeout: timeout, http: context.http)
        }
        for index in exchanges.indices { exchanges[index].judge(status: expectStatus, bodyContains: expectedBody) }

        let report = CallbackReport(exchanges: exchanges, masker: context.masker)
        let output = report.lines.joined(separator: "\n")
        context.output?(OutputChunk(stream: .stdout, bytes: Array((output + "\n").utf8)))
        let shown = exchanges.first { !$0.passed } ?? exchanges.last
        let fields = [
            "stdout": output,
            "status": shown?.response.map { String($0.status) } ?? "",
            "body": context.masker.mask(shown?.response?.bodyText ?? ""),
        ]
        let command = CommandResult(exitStatus: report.failures.isEmpty ? 0 : 1, stdout: Array((output + "\n").utf8))
        guard report.failures.isEmpty else {
            return StepRun(outcome: .failed, command: command, fields: fields,
                           failure: context.masker.mask("callbacks to \(try context.render(self.url).masked) not answered as expected — "
                               + report.failures.joined(separator: " | ")))
        }
        return StepRun(outcome: .ok, command: command, fields: fields)
    }

    /// Sends `callbacks`, at most `concurrency` at once, and returns the exchanges in the same order.
    private static func send(
        _ callbacks: [(kind: String, callback: SignedTestCallback)], to url: String, concurrency: Int, timeout: Duration, http: HTTPClient
    ) async -> [CallbackExchange] {
        var exchanges = [CallbackExchange?](repeating: nil, count: callbacks.count)
        await withTaskGroup(of: (Int, CallbackExchange).self) { group in
            var next = 0
            func start() {
                let index = next, (kind, callback) = callbacks[index]
                next += 1
                group.addTask {
                    let request = HTTPRequest(
                        method: "POST", url: url, headers: callback.headers.map { HTTPHeader($0.name, $0.value) },
                        body: .bytes(Data(callback.body)), timeout: timeout)
                    do {
                        return (index, CallbackExchange(kind: kind, response: try await http.send(request), error: nil))
                    } catch {
                        return (index, CallbackExchange(kind: kind, response: nil, error: "\(error)"))
                    }
                }
            }
            while next < min(concurrency, callbacks.count) { start() }
            while let (index, exchange) = await group.next() {
                exchanges[index] = exchange
                if next < callbacks.count { start() }
            }
        }
        return exchanges.compactMap { $0 }
    }
}
