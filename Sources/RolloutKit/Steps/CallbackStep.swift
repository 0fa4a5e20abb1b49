import BillingCore
import Foundation

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

extension CallbackStep: RunnableStep {
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

/// Builds the signed callbacks of one `callback` step on one host, with `rollout sign`'s code.
struct CallbackSigner {
    /// PayTR form fields the notification model holds; the others are set after signing.
    static let paytrModelFields = ["merchant_oid", "status", "total_amount", "payment_amount", "payment_type", "currency", "test_mode",
                                   "failed_reason_code", "failed_reason_msg", "callback_id"]
    /// Top-level keys of a Stripe event; a `fields` path starting elsewhere is under `data.object`.
    static let stripeEnvelopeKeys: Set<String> = ["id", "object", "api_version", "created", "data", "livemode", "pending_webhooks", "request", "type"]

    let step: CallbackStep
    let fields: [(key: String, value: String)]
    let failure: (String) -> StepError
    private let secrets: [String: String]

    init(_ step: CallbackStep, using renderer: some StepRendering) throws(StepError) {
        self.step = step
        var fields: [(key: String, value: String)] = []
        for field in step.fields {
            guard case .text(let template) = field.value else {
                throw renderer.failure("fields.\(field.key) must be a single value, not a list or mapping", hint: nil)
            }
            fields.append((field.key, try renderer.render(template).text))
        }
        self.fields = fields
        var secrets: [String: String] = [:]
        switch step.provider {
        case let .paytr(merchantID, key, salt):
            secrets["key"] = try renderer.render(key).text
            secrets["salt"] = try renderer.render(salt).text
            if let merchantID { secrets["merchant_id"] = try renderer.render(merchantID).text }
        case let .stripe(secret, apiVersion):
            secrets["secret"] = try renderer.render(secret).text
            if let apiVersion { secrets["api_version"] = try renderer.render(apiVersion).text }
        }
        self.secrets = secrets
        failure = { renderer.failure($0, hint: nil) }
    }

    /// The `number`th callback (from 0): each has its own order or event id unless the scenario is a replay.
    func callback(number: Int) throws(StepError) -> SignedTestCallback {
        switch step.provider {
        case .paytr: try paytr(number: number)
        case .stripe: try stripe()
        }
    }

    private func paytr(number: Int) throws(StepError) -> SignedTestCallback {
        let value = { (name: String) in fields.last { $0.key == name }?.value }
        let oid: PayTRMerchantOID
        do {
            if let given = value("merchant_oid") {
                oid = try PayTRMerchantOID(step.sends > 1 && step.scenario != "replay" ? given + String(number + 1) : given)
            } else {
                oid = try PayTRMerchantOID.generate()
            }
        } catch {
            throw failure("fields.merchant_oid: \(error.description)")
        }
        var callback: PayTRCallback
        if step.scenario == "failed" || value("status") == "failed" {
            let code = value("failed_reason_code") ?? "0"
            callback = .failed(merchantOID: oid, reasonCode: code, reasonMessage: value("failed_reason_msg") ?? PayTRFailureReason.message(for: code))
        } else {
            callback = .success(merchantOID: oid, amount: 10_000)
        }
        for (name, text) in fields where Self.paytrModelFields.contains(name) {
            switch name {
            case "total_amount", "payment_amount":
                guard let kurus = Int64(text) else { throw failure("fields.\(name) must be whole kuruş as PayTR posts them (9900 for 99.00), found '\(text)'") }
                if name == "total_amount" { callback.totalAmount = kurus } else { callback.paymentAmount = kurus }
            case "payment_type":
                guard let type = PayTRCallback.PaymentType(rawValue: text) else { throw failure("fields.payment_type must be card or eft, found '\(text)'") }
                callback.paymentType = type
            case "currency":
                guard let currency = PayTRCurrency(code: text) else { throw failure("fields.currency: unknown currency '\(text)'; use TL, TRY, USD, EUR, GBP or RUB") }
                callback.currency = currency
            case "test_mode":
                callback.testMode = text == "1" || text == "true"
            case "callback_id":
                callback.callbackID = text
            case "status":
                guard let status = PayTRCallback.Status(rawValue: text) else { throw failure("fields.status must be success or failed, found '\(text)'") }
                callback.status = status
            default:
                break
            }
        }
        let credentials = PayTRCredentials(merchantID: secrets["merchant_id"] ?? "", merchantKey: secrets["key"] ?? "", merchantSalt: secrets["salt"] ?? "")
        let unsigned = fields.filter { !Self.paytrModelFields.contains($0.key) }.map { (name: $0.key, value: $0.value) }
        return PayTRTestCallback(callback: callback, credentials: credentials, tampered: step.scenario == "tampered", unsignedFields: unsigned).signed()
    }

    private func stripe() throws(StepError) -> SignedTestCallback {
        var overrides: [JSONOverride] = []
        for (key, text) in fields {
            let root = key.split(separator: ".").first.map(String.init) ?? key
            let path = Self.stripeEnvelopeKeys.contains(root) ? key : "data.object." + key
            do { overrides.append(try JSONOverride(parsing: path + "=" + text)) } catch { throw failure("fields.\(key): \(error.reason)") }
        }
        // Well past the 300 s every Stripe library accepts by default.
        let signedAt = Int64(Date().timeIntervalSince1970) - (step.scenario == "stale" ? 600 : 0)
        let event: StripeEvent
        do {
            event = try StripeEvent(type: step.stripeEventType, apiVersion: secrets["api_version"] ?? StripeEvent.defaultAPIVersion,
                                    created: signedAt - 1, overrides: overrides)
        } catch {
            throw failure("fields: \(error.description)")
        }
        return StripeTestCallback(event: event, secrets: [secrets["secret"] ?? ""], timestamp: signedAt, tampered: step.scenario == "tampered").signed()
    }
}

/// One callback sent and what came back.
struct CallbackExchange: Sendable {
    /// `valid`, `first`, `replay`, …: how the report groups it.
    var kind: String
    var response: HTTPResponse?
    /// Why no response came, when none did.
    var error: String?
    /// What did not match `expect`; empty when it passed.
    var problem: String?

    var passed: Bool { problem == nil }

    mutating func judge(status: [Int], bodyContains: [String]) {
        guard let response else {
            problem = error ?? "no response"
            return
        }
        let expected = status.map(String.init).joined(separator: " or ")
        if !status.contains(response.status) {
            problem = "expected status \(expected), got \(response.status) '\(HTTPCheck.Expectation.excerpt(response.bodyText))'"
        } else if let missing = bodyContains.first(where: { !response.bodyText.contains($0) }) {
            problem = "expected the body to contain '\(missing)', got '\(HTTPCheck.Expectation.excerpt(response.bodyText))'"
        }
    }
}

/// The step's output and failures: one line per kind of request, with counts and percentiles
/// when a kind was sent more than once.
struct CallbackReport {
    var lines: [String] = []
    var failures: [String] = []

    init(exchanges: [CallbackExchange], masker: SecretMasker) {
        var kinds: [String] = []
        for exchange in exchanges where !kinds.contains(exchange.kind) { kinds.append(exchange.kind) }
        for kind in kinds {
            let group = exchanges.filter { $0.kind == kind }
            let failed = group.filter { !$0.passed }
            if group.count == 1, let only = group.first {
                let status = only.response.map { String($0.status) } ?? "no response"
                let ms = only.response.map { String(format: "%.1f ms", $0.timings.total.milliseconds) } ?? "-"
                lines.append("\(kind): \(status), \(ms), \(only.passed ? "pass" : "FAIL")")
            } else {
                var seen: [String: Int] = [:]
                for exchange in group { seen[exchange.response.map { String($0.status) } ?? "no response", default: 0] += 1 }
                let statuses = seen.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
                let times = group.compactMap { $0.response?.timings.total.milliseconds }.sorted()
                let percentiles = times.isEmpty ? "" : String(format: ", p50 %.1f ms, p90 %.1f ms", Self.percentile(50, of: times), Self.percentile(90, of: times))
                lines.append("\(kind): \(group.count) sent, statuses \(statuses)\(percentiles), \(failed.isEmpty ? "pass" : "\(failed.count) FAIL")")
            }
            if let first = failed.first, let problem = first.problem {
                let count = group.count == 1 ? "" : " (\(failed.count) of \(group.count))"
                failures.append("\(kind)\(count): \(problem)")
            }
        }
        lines = lines.map(masker.mask)
        failures = failures.map(masker.mask)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ p: Int, of sorted: [Double]) -> Double {
        let rank = Int((Double(p) / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
