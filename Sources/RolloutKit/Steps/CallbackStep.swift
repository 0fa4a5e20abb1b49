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
    static let attemptOptions: [OptionSpec] = [
        OptionSpec("status", .numbers, "Acceptable statuses. Default 200."),
        OptionSpec("body_contains", .texts, "Text the body must contain."),
    ]
    static let expectOptions: [OptionSpec] =
        attemptOptions + [
            OptionSpec("max_p90_ms", .number, "Slowest acceptable 90th percentile of the answers' times, in milliseconds.")
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
        OptionSpec(
            "expect", .either([.mapping(expectOptions), .list(.mapping(attemptOptions))]),
            "status (default 200), body_contains, max_p90_ms; for replay, a list: one per attempt."),
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
    /// Payload fields to set (`merchant_oid`, `total_amount`; for Stripe, field paths relative
    /// to `data.object`, `$.` for the envelope: `amount`, `metadata.booking_id`, `$.livemode`).
    public var fields: [TemplateEntry]
    /// The playbook's `callback_defaults:` for Stripe, applied before `fields`.
    public var defaults: CallbackDefaults?
    public var count: Int
    public var concurrency: Int
    /// Acceptable statuses (default 200).
    public var expectStatus: [Int]
    public var expectBodyContains: [Template]
    /// For `replay`, what the second, third… answer must show when it differs from the first
    /// (`expect: [ { body_contains: processed }, { body_contains: already_processed } ]`); the
    /// last entry holds for every later attempt. Empty: every answer as the first.
    public var laterExpectations: [(status: [Int], bodyContains: [Template])] = []
    /// Slowest acceptable 90th percentile of the answers' times (`max_p90_ms`).
    public var maxP90: Duration?

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
            let apiVersion = stripe.template("api_version")
            if let problem = apiVersion.flatMap(CallbackDefaults.apiVersionProblem) { stripe.error(problem, at: "api_version") }
            if let secret { provider = .stripe(secret: secret, apiVersion: apiVersion) }
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
        defaults = chosen == "stripe" ? context.callbackDefaults : nil
        if case .stripe(_, let apiVersion)? = provider {
            StripeFieldCheck.check(
                options, type: Self.stripeEventType(event: event, scenario: scenario), apiVersion: apiVersion ?? defaults?.apiVersion)
        }
        count = options.int("count", in: 1...100_000) ?? 1
        concurrency = options.int("concurrency", in: 1...1000) ?? 1
        expectStatus = [200]
        expectBodyContains = []
        if let items = options.node("expect")?.items {
            // One expectation per attempt: a replay's first answer differs from the repeats.
            if scenario != "replay" {
                options.error("a list under 'expect' (one per attempt) applies only to scenario: replay; write one mapping", at: "expect")
            }
            if items.isEmpty { options.error("'expect' is an empty list; give one expectation per attempt", at: "expect") }
            for (index, item) in items.enumerated() {
                let expect = OptionReader(
                    item, context: "expectation \(index + 1) of 'expect'", allowed: Self.attemptOptions.names, sink: options.sink)
                defer { expect.finish() }
                let status = expect.ints("status", in: 100...599) ?? [200]
                let contains = expect.templates("body_contains") ?? []
                if index == 0 {
                    expectStatus = status
                    expectBodyContains = contains
                } else {
                    laterExpectations.append((status, contains))
                }
            }
        } else if let expect = options.mapping("expect", allowed: Self.expectOptions.names) {
            if let status = expect.ints("status", in: 100...599) { expectStatus = status }
            expectBodyContains = expect.templates("body_contains") ?? []
            maxP90 = expect.int("max_p90_ms", in: 1...3_600_000).map { .milliseconds($0) }
        }
        guard let provider, let url else { return nil }
        self.provider = provider
        self.url = url
    }

    public var mutates: Bool { false }
    /// Sent again it would book another payment on the live endpoint.
    public var safeToRunAgain: Bool { false }

    /// The playbook's `callback_defaults:` it signs with, checked with the step's own names.
    public var nestedTemplates: [Template] { defaults?.templates ?? [] }

    public var summary: String {
        switch provider {
        case .paytr: "callback paytr \(scenario)"
        case .stripe: "callback stripe \(event ?? "payment_intent.succeeded") \(scenario)"
        }
    }

    public func undoDescription(render: (Template) -> String) -> String { "none (a booked payment stays booked)" }

    /// A forged or stale notification is refused, so it books nothing; any other one is a
    /// payment the app records.
    public var planEffect: String {
        let books = !["tampered", "stale"].contains(scenario)
        let what = sends > 1 ? "sends \(sends) payment notifications" : "sends a payment notification"
        return books ? "\(what): books a test payment in the app" : "\(what) that must be refused: books nothing"
    }

    public var templatesNumberedPerSend: [Template] { fields.flatMap(\.value.templates) }
}

extension CallbackStep: RunnableStep {
    /// Sending payment callbacks to the restored app would book payments in it; `check` and
    /// `wait_for` are what show the restored state works.
    public var runsAgainAfterRollback: Bool { false }

    /// The event type a Stripe callback carries: `event`, else a failed or succeeded payment.
    var stripeEventType: StripeEventType { Self.stripeEventType(event: event, scenario: scenario) }

    static func stripeEventType(event: String?, scenario: String) -> StripeEventType {
        event.flatMap(StripeEventType.init(rawValue:)) ?? (scenario == "failed" ? .paymentIntentPaymentFailed : .paymentIntentSucceeded)
    }

    /// How many requests the step sends: `count`, and at least two for a replay.
    var sends: Int { scenario == "replay" ? max(count, 2) : count }

    /// What would be sent, masked; sends nothing.
    public func plan(in context: StepContext) async throws -> StepPlan {
        let url = try context.render(self.url)
        let what =
            switch provider {
            case .paytr: "PayTR \(scenario == "failed" ? "failed" : "success") notification"
            case .stripe: "Stripe \(stripeEventType.rawValue) event"
            }
        // Sending it books a payment in the app unless the app must refuse it: say so, since
        // nothing else in the plan would.
        let effect = ["tampered", "stale"].contains(scenario) ? "must be refused, books nothing" : "books a test payment in the app"
        var lines = ["POST \(url.masked): \(what), scenario \(scenario) (\(effect))"]
        if sends > 1 {
            let copies = scenario == "replay" ? "the same callback \(sends) times" : "\(sends) callbacks with distinct ids"
            lines.append("\(copies), \(concurrency) at a time")
        }
        lines.append(
            "expect status \(expectStatus.map(String.init).joined(separator: " or "))"
                + expectBodyContains.map { ", body contains '\(context.masker.mask($0.source))'" }.joined()
                + (laterExpectations.isEmpty ? "" : " (first answer)"))
        for (index, later) in laterExpectations.enumerated() {
            let which = index == laterExpectations.count - 1 ? "answer \(index + 2) and after" : "answer \(index + 2)"
            lines.append(
                "expect status \(later.status.map(String.init).joined(separator: " or "))"
                    + later.bodyContains.map { ", body contains '\(context.masker.mask($0.source))'" }.joined() + " (\(which))")
        }
        if let maxP90 { lines.append("expect p90 at most \(Int(maxP90.milliseconds)) ms") }
        return StepPlan(lines, changes: .none)
    }

    /// Signs and sends the callbacks from the machine running rollout, then judges every answer.
    public func run(in context: StepContext) async throws -> StepRun {
        let url = try context.render(self.url).text
        var first = context
        if numbersFields { first.scope.callback = (1, UUID().uuidString.lowercased()) }
        let signer = try CallbackSigner(self, using: first)
        // The step's `timeout:` bounds each request; without one, 10 s as for `rollout sign --send`.
        let timeout = context.timeout ?? .seconds(10)
        var expectedBody: [String] = []
        for template in expectBodyContains { expectedBody.append(try context.render(template).text) }

        var exchanges: [CallbackExchange]
        // Wall time of each batch, for the report's throughput.
        let wall = ContinuousClock()
        var batchTimes: [String: Duration] = [:]
        if scenario == "replay" {
            let callback = try signer.callback(number: 0)
            exchanges = await Self.send([("first", callback)], to: url, concurrency: 1, timeout: timeout, http: context.http)
            let copies = Array(repeating: ("replay", callback), count: sends - 1)
            let start = wall.now
            exchanges += await Self.send(copies, to: url, concurrency: concurrency, timeout: timeout, http: context.http)
            batchTimes["replay"] = wall.now - start
        } else {
            var callbacks: [(kind: String, callback: SignedTestCallback)] = []
            for number in 0..<sends {
                // `{{ i }}` and `{{ uuid }}` make each callback's fields its own: 100 payments, 100 orders.
                guard numbersFields, number > 0 else {
                    callbacks.append((scenario, try signer.callback(number: number)))
                    continue
                }
                var numbered = context
                numbered.scope.callback = (number + 1, UUID().uuidString.lowercased())
                callbacks.append((scenario, try CallbackSigner(self, using: numbered).callback(number: number)))
            }
            let start = wall.now
            exchanges = await Self.send(callbacks, to: url, concurrency: concurrency, timeout: timeout, http: context.http)
            batchTimes[scenario] = wall.now - start
        }
        var laterBodies: [[String]] = []
        for later in laterExpectations {
            var bodies: [String] = []
            for template in later.bodyContains { bodies.append(try context.render(template).text) }
            laterBodies.append(bodies)
        }
        for index in exchanges.indices {
            guard index > 0, !laterExpectations.isEmpty else {
                exchanges[index].judge(status: expectStatus, bodyContains: expectedBody, masker: context.masker)
                continue
            }
            let later = min(index, laterExpectations.count) - 1
            exchanges[index].judge(status: laterExpectations[later].status, bodyContains: laterBodies[later], masker: context.masker)
        }

        var report = CallbackReport(exchanges: exchanges, masker: context.masker, batchTimes: batchTimes)
        if let maxP90 {
            let times = exchanges.compactMap { $0.response?.timings.total.milliseconds }.sorted()
            if !times.isEmpty, CallbackReport.percentile(90, of: times) > maxP90.milliseconds {
                let p90 = CallbackReport.percentile(90, of: times)
                report.failures.append(
                    String(format: "time: expected p90 at most %d ms, got %.1f ms (over %d answers)", Int(maxP90.milliseconds), p90, times.count))
            }
        }
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
            return StepRun(
                outcome: .failed, command: command, fields: fields,
                failure: context.masker.mask(
                    "callbacks to \(try context.render(self.url).masked) not answered as expected — "
                        + report.failures.joined(separator: " | ")))
        }
        return StepRun(outcome: .ok, command: command, fields: fields)
    }

    /// True when a field uses `{{ i }}` or `{{ uuid }}`, so each callback renders its fields anew.
    var numbersFields: Bool {
        fields.flatMap(\.value.templates).flatMap(\.references).contains { $0.path == ["i"] || $0.path == ["uuid"] }
    }

    /// Sends `callbacks`, at most `concurrency` at once, and returns the exchanges in the same order.
    private static func send(
        _ callbacks: [(kind: String, callback: SignedTestCallback)], to url: String, concurrency: Int, timeout: Duration, http: HTTPClient
    ) async -> [CallbackExchange] {
        // One at a time needs no task group. The release build (static Swift runtime) trapped
        // with "Index out of range" where the group's results were stored, on an index the
        // source cannot make out of range, in about half the runs of playbooks/youarecoder
        // (scripts/bench-playbooks); the debug build never did.
        guard concurrency > 1, callbacks.count > 1 else {
            var exchanges: [CallbackExchange] = []
            for (kind, callback) in callbacks {
                exchanges.append(await exchange(kind: kind, callback: callback, url: url, timeout: timeout, http: http))
            }
            return exchanges
        }
        return await withTaskGroup(of: Answered.self, returning: [CallbackExchange].self) { group in
            var exchanges = [CallbackExchange?](repeating: nil, count: callbacks.count)
            var started = 0
            var finished = 0
            while finished < callbacks.count {
                while started < callbacks.count, started - finished < concurrency {
                    let index = started
                    let (kind, callback) = callbacks[index]
                    started += 1
                    group.addTask {
                        Answered(index: index, exchange: await exchange(kind: kind, callback: callback, url: url, timeout: timeout, http: http))
                    }
                }
                guard let answered = await group.next() else { break }
                exchanges[answered.index] = answered.exchange
                finished += 1
            }
            return exchanges.compactMap { $0 }
        }
    }

    /// One callback of a `count`, and the place its answer goes in the step's order.
    private struct Answered: Sendable {
        var index: Int
        var exchange: CallbackExchange
    }

    /// Sends one callback: its answer, or why none came.
    private static func exchange(kind: String, callback: SignedTestCallback, url: String, timeout: Duration, http: HTTPClient) async
        -> CallbackExchange
    {
        let request = HTTPRequest(
            method: "POST", url: url, headers: callback.headers.map { HTTPHeader($0.name, $0.value) }, body: .bytes(Data(callback.body)),
            timeout: timeout)
        do {
            return CallbackExchange(kind: kind, response: try await http.send(request), error: nil)
        } catch {
            return CallbackExchange(kind: kind, response: nil, error: "\(error)")
        }
    }
}
