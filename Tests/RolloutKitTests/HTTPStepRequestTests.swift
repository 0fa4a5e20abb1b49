import BillingCore
import Foundation
import Testing

@testable import RolloutKit

/// Renders a step's templates in a plain scope, as `StepContext` does on a host.
struct ScopeRenderer: StepRendering {
    var scope: Scope

    func render(_ template: Template) throws(StepError) -> RenderedText {
        do { return try template.render(in: scope) } catch { throw failure(error.message, hint: nil) }
    }

    func failure(_ message: String, hint: String?) -> StepError {
        StepError(host: "test", step: "step", message: message, hint: hint)
    }
}

/// How `check` and `callback` build their requests and judge answers, without a network.
@Suite struct HTTPStepRequestTests {
    static let token = "tok-Sekr3t/+="

    /// The steps of a playbook written inline, and a renderer with its secrets resolved.
    func steps(_ yaml: String, playbookKeys: String = "") throws -> ([any Step], ScopeRenderer) {
        let fixture = try PlaybookFixture([
            "inventory.yml": PlaybookFixture.inventory,
            "deploy.yml": """
            name: http
            inventory: inventory.yml
            vars: { base_url: "http://127.0.0.1:9/app/" }
            secrets: { token: { env: TEST_TOKEN }, whsec: { env: TEST_TOKEN } }
            \(playbookKeys)
            steps:
            \(yaml)
            """,
        ])
        let result = fixture.load(env: ["TEST_TOKEN": Self.token])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        let playbook = try #require(result.loaded?.playbook)
        let scope = Scope(vars: ["base_url": .text(Template(literal: "http://127.0.0.1:9/app/"))], secrets: result.secrets)
        return (playbook.steps.map(\.step), ScopeRenderer(scope: scope))
    }

    func response(_ status: Int, headers: [HTTPHeader] = [], body: String = "", ms: Int = 5) -> HTTPResponse {
        let total = Duration.milliseconds(ms)
        return HTTPResponse(
            status: status, headers: headers, body: Data(body.utf8),
            timings: HTTPTimings(connect: .zero, tls: nil, firstByte: total, total: total), redirectURL: nil)
    }

    @Test func requestsJoinTheBaseURLRenderHeadersAndEncodeEachBodyKind() throws {
        let (steps, renderer) = try steps(
            """
              - check:
                  base_url: "{{ base_url }}"
                  checks:
                    - request: GET /health
                      headers: { Authorization: "Bearer {{ secrets.token }}" }
                    - { request: POST /billing/callback, form: { merchant_oid: TEST, hash: INVALID } }
                    - { request: PUT http://127.0.0.1:9/other, json: { amount: 100, ok: true, name: "x", items: [a, 2.5], none: null } }
                    - { request: POST /raw, body: "<xml/>", follow_redirects: true, timeout: 2s }
            """)
        let check = try #require(steps.first as? CheckStep)
        let base = try renderer.render(try #require(check.suite.baseURL))
        let requests = try check.suite.checks.map { check throws(StepError) in try check.request(baseURL: base, using: renderer) }
        #expect(
            requests.map(\.url) == [
                "http://127.0.0.1:9/app/health", "http://127.0.0.1:9/app/billing/callback",
                "http://127.0.0.1:9/other", "http://127.0.0.1:9/app/raw",
            ])
        #expect(requests.map(\.method) == ["GET", "POST", "PUT", "POST"])
        #expect(requests[0].headers == [HTTPHeader("Authorization", "Bearer \(Self.token)")])
        #expect(requests[1].body == .form([HTTPHeader("merchant_oid", "TEST"), HTTPHeader("hash", "INVALID")]))
        #expect(requests[2].body == .bytes(Data(#"{"amount":100,"ok":true,"name":"x","items":["a",2.5],"none":null}"#.utf8)))
        #expect(requests[2].headers.value(for: "Content-Type") == "application/json")
        #expect(requests[3].body == .bytes(Data("<xml/>".utf8)))
        #expect(requests[3].followRedirects && requests[3].timeout == .seconds(2))
        #expect(!requests[0].followRedirects, "redirects are not followed unless asked")
    }

    @Test func expectationsReportExpectedAndGotForStatusHeadersBodyAndTime() throws {
        let (steps, renderer) = try steps(
            """
              - check:
                  base_url: "{{ base_url }}"
                  checks:
                    - request: GET /billing/
                      expect:
                        status: 302
                        header: { Location: "~ /auth/login", Cache-Control: no-store }
                        body_contains: ["{{ secrets.token }}"]
                        max_ms: 50
            """)
        let expect = try #require((steps.first as? CheckStep)?.suite.checks.first?.expect)
        let good = response(
            302, headers: [HTTPHeader("location", "/auth/login?next=/billing/"), HTTPHeader("Cache-Control", "no-store")],
            body: "see \(Self.token)", ms: 10)
        #expect(try expect.problems(with: good, using: renderer) == [])

        let bad = response(200, headers: [HTTPHeader("Location", "/home"), HTTPHeader("Cache-Control", "private")], body: "welcome", ms: 80)
        let problems = try expect.problems(with: bad, using: renderer)
        #expect(
            problems == [
                "status: expected 302, got 200",
                "header Location: expected ~ /auth/login, got '/home'",
                "header Cache-Control: expected 'no-store', got 'private'",
                "body: expected to contain '***', got 'welcome'",
                "time: expected at most 50 ms, got 80.0 ms",
            ])
        #expect(!problems.joined().contains(Self.token))
        #expect(try expect.problems(with: response(302), using: renderer).contains("header Location: expected ~ /auth/login, got no such header"))
    }

    @Test func aHeaderExpectationPassesWhenAnyValueOfARepeatedHeaderMatches() throws {
        let (steps, renderer) = try steps(
            """
              - check: { base_url: "{{ base_url }}", checks: [ { request: GET /, expect: { header: { Set-Cookie: "~ ^b=" } } } ] }
            """)
        let expect = try #require((steps.first as? CheckStep)?.suite.checks.first?.expect)
        let answer = response(200, headers: [HTTPHeader("Set-Cookie", "a=1"), HTTPHeader("Set-Cookie", "b=2")])
        #expect(try expect.problems(with: answer, using: renderer) == [])
    }

    @Test func paytrCallbacksAreSignedWithRolloutSignsCodeAndFieldsApplyBeforeSigning() throws {
        let (steps, renderer) = try steps(
            """
              - callback:
                  paytr: { key: "{{ secrets.token }}", salt: SALT1 }
                  url: "{{ base_url }}cb"
                  fields: { merchant_oid: ORDER, total_amount: "9900", payment_type: eft, note: hi }
                  count: 3
              - callback:
                  paytr: { key: "{{ secrets.token }}", salt: SALT1 }
                  url: "{{ base_url }}cb"
                  scenario: tampered
            """)
        let many = try CallbackSigner(try #require(steps[0] as? CallbackStep), using: renderer)
        let forms = try (0..<3).map { number throws(StepError) in try many.callback(number: number) }.map(Self.form)
        #expect(forms.map { $0["merchant_oid"] } == ["ORDER1", "ORDER2", "ORDER3"], "each of count gets its own order id")
        #expect(forms[0]["total_amount"] == "9900" && forms[0]["payment_type"] == "eft" && forms[0]["note"] == "hi")
        let signed = PayTRCallback.success(merchantOID: try PayTRMerchantOID("ORDER1"), amount: 9900)
            .hash(credentials: PayTRCredentials(merchantID: "", merchantKey: Self.token, merchantSalt: "SALT1"))
        #expect(forms[0]["hash"] == signed)

        let tampered = try CallbackSigner(try #require(steps[1] as? CallbackStep), using: renderer).callback(number: 0)
        let form = Self.form(tampered)
        let expected = PayTRCallback.success(merchantOID: try PayTRMerchantOID(try #require(form["merchant_oid"])), amount: 10_000)
            .hash(credentials: PayTRCredentials(merchantID: "", merchantKey: Self.token, merchantSalt: "SALT1"))
        #expect(form["total_amount"] == "10001" && form["hash"] == expected, "signed over 10000, sent with 10001")
    }

    @Test func stripeFieldsLandUnderTheObjectAndAStaleCallbackIsSignedTenMinutesAgo() throws {
        let (steps, renderer) = try steps(
            """
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}hook"
                  scenario: stale
                  fields: { amount: "2000", metadata.booking_id: "42", $.livemode: "true" }
            """)
        let callback = try CallbackSigner(try #require(steps[0] as? CallbackStep), using: renderer).callback(number: 0)
        let event = try JSONValue(parsing: String(decoding: callback.body, as: UTF8.self))
        #expect(event.value(at: "data.object.amount") == .int(2000))
        #expect(event.value(at: "data.object.metadata.booking_id") == .string("42"))
        #expect(event.value(at: "livemode") == .bool(true))
        #expect(event.value(at: "type") == .string("payment_intent.succeeded"))
        let header = try #require(
            callback.headers.first { $0.name == StripeSignatureHeader.name }.flatMap { StripeSignatureHeader(parsing: $0.value) })
        let age = Int64(Date().timeIntervalSince1970) - header.timestamp
        #expect((599...610).contains(age))
        #expect(header.v1Signatures == [StripeSignatureHeader.signature(body: callback.body, secret: Self.token, timestamp: header.timestamp)])
    }

    @Test func callbackDefaultsApplyToEveryStripeStepAndTheStepsOwnFieldsAndVersionWin() throws {
        let (steps, renderer) = try steps(
            """
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}" }
                  url: "{{ base_url }}hook"
                  event: invoice.payment_succeeded
              - callback:
                  stripe: { secret: "{{ secrets.whsec }}", api_version: 2025-03-31.basil }
                  url: "{{ base_url }}hook"
                  event: invoice.paid
                  fields: { amount_paid: "100", metadata.booking_id: "7", $.livemode: "true" }
            """,
            playbookKeys: """
                callback_defaults:
                  stripe:
                    api_version: 2024-06-20
                    currency: USD
                    amount: 4900
                    metadata: { booking_id: "{{ base_url }}" }
                    fields: { description: Deploy check }
                """)
        func event(_ index: Int) throws -> JSONValue {
            let callback = try CallbackSigner(try #require(steps[index] as? CallbackStep), using: renderer).callback(number: 0)
            return try JSONValue(parsing: String(decoding: callback.body, as: UTF8.self))
        }
        let first = try event(0)
        #expect(first["api_version"] == .string("2024-06-20"))
        #expect(first.value(at: "data.object.subscription")?.stringValue?.hasPrefix("sub_") == true && first.value(at: "data.object.parent") == nil)
        #expect(first.value(at: "data.object.amount_paid") == .int(4900) && first.value(at: "data.object.currency") == .string("usd"))
        #expect(first.value(at: "data.object.metadata.booking_id") == .string("http://127.0.0.1:9/app/"))
        #expect(first.value(at: "data.object.description") == .string("Deploy check"))

        let second = try event(1)
        #expect(second["api_version"] == .string("2025-03-31.basil") && second["livemode"] == .bool(true))
        #expect(second.value(at: "data.object.parent.subscription_details.subscription") != nil)
        #expect(second.value(at: "data.object.amount_paid") == .int(100) && second.value(at: "data.object.total") == .int(4900))
        #expect(second.value(at: "data.object.metadata.booking_id") == .string("7"))
    }

    @Test func lintNamesTheLineOfAnUnknownCallbackDefaultsKeyAndOfValuesThatCanNeverWork() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": PlaybookFixture.inventory,
            "deploy.yml": """
            name: http
            inventory: inventory.yml
            callback_defaults:
              stripe:
                1️⃣curency: usd
                2️⃣amount: 49.00
                3️⃣api_version: basil
              4️⃣paytr: {}
            steps:
              - callback: { stripe: { secret: w, 5️⃣api_version: "2025-03-31 basil" }, url: "http://127.0.0.1:9/hook" }
            """,
        ])
        let messages = fixture.load().diagnostics.all.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        func expectMessage(_ marker: String, _ prefix: String) {
            #expect(
                messages.contains { $0.hasPrefix("\(fixture[marker].line):\(fixture[marker].column) \(prefix)") }, "\(marker) \(prefix): \(messages)")
        }
        expectMessage("1️⃣", "unknown key 'curency' in 'callback_defaults.stripe'")
        expectMessage("2️⃣", "'amount' must be a whole number of minor units")
        expectMessage("3️⃣", "'api_version': `basil` is not a Stripe API version")
        expectMessage("4️⃣", "unknown key 'paytr' in 'callback_defaults'")
        expectMessage("5️⃣", "'api_version': `2025-03-31 basil` is not a Stripe API version")
        let suggestion = fixture.load().diagnostics.all.first { $0.message.contains("curency") }?.suggestion
        #expect(suggestion == "currency")
    }

    @Test func lintWarnsAtAStripeFieldTheEventsObjectDoesNotHaveInItsAPIVersion() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": PlaybookFixture.inventory,
            "deploy.yml": """
            name: http
            inventory: inventory.yml
            steps:
              - callback:
                  stripe: { secret: w, api_version: 2025-03-31.basil }
                  url: "http://127.0.0.1:9/hook"
                  event: invoice.paid
                  fields:
                    1️⃣ammount_paid: "1"
                    2️⃣api_version: x
                    3️⃣subscription: sub_X
                    parent.subscription_details.subscription: sub_Y
                    $.livemode: "true"
              - callback:
                  stripe: { secret: w, api_version: 2024-06-20 }
                  url: "http://127.0.0.1:9/hook"
                  event: invoice.paid
                  fields: { subscription: sub_X, data.object.total: "5" }
            """,
        ])
        let diagnostics = fixture.load().diagnostics.all
        let messages = diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(diagnostics.allSatisfy { $0.severity == .warning } && diagnostics.count == 3, "\(messages)")
        #expect(
            messages.contains(
                "\(fixture["1️⃣"].line):\(fixture["1️⃣"].column) the invoice of invoice.paid in API version 2025-03-31.basil has no 'ammount_paid'; 'fields.ammount_paid' adds it as a new field"
            ), "\(messages)")
        #expect(diagnostics.first { $0.message.contains("ammount_paid") }?.suggestion == "amount_paid")
        #expect(
            messages.contains(
                "\(fixture["2️⃣"].line):\(fixture["2️⃣"].column) 'fields.api_version' would add 'api_version' to the invoice; to set the event's own, write '$.api_version'"
            ), "\(messages)")
        #expect(
            messages.contains {
                $0.hasPrefix(
                    "\(fixture["3️⃣"].line):\(fixture["3️⃣"].column) the invoice of invoice.paid in API version 2025-03-31.basil has no 'subscription'")
            }, "\(messages)")
    }

    @Test func manyAnswersAreSummarisedWithStatusCountsAndPercentiles() {
        func exchange(_ kind: String, _ status: Int, ms: Int) -> CallbackExchange {
            var exchange = CallbackExchange(kind: kind, response: response(status, body: status == 200 ? "OK" : "no", ms: ms), error: nil)
            exchange.judge(status: [200], bodyContains: [])
            return exchange
        }
        let exchanges = [exchange("first", 200, ms: 3)] + (1...10).map { exchange("replay", $0 == 4 ? 500 : 200, ms: $0) }
        let report = CallbackReport(exchanges: exchanges, masker: .none, batchTimes: ["replay": .milliseconds(40)])
        #expect(
            report.lines == [
                "first: 200, 3.0 ms, pass", "replay: 10 sent, statuses 200×9, 500×1, p50 5.0 ms, p90 9.0 ms, p99 10.0 ms, 250.0/s, 1 FAIL",
            ])
        #expect(report.failures == ["replay (1 of 10): expected status 200, got 500 'no'"])
    }

    @Test func lintRefusesAStalePayTRCallbackAndAnUnknownStripeEvent() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": PlaybookFixture.inventory,
            "deploy.yml": """
            name: http
            inventory: inventory.yml
            steps:
              - callback: { paytr: { key: k, salt: s }, url: "http://127.0.0.1:9/cb", 1️⃣scenario: stale }
              - callback: { stripe: { secret: w }, url: "http://127.0.0.1:9/hook", 2️⃣event: payment_intent.succeded }
            """,
        ])
        let messages = fixture.load().diagnostics.all.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(
            messages.contains(
                "\(fixture["1️⃣"].line):\(fixture["1️⃣"].column) PayTR callbacks carry no timestamp, so 'stale' applies only to stripe callbacks"),
            "\(messages)")
        #expect(
            messages.contains {
                $0.hasPrefix(
                    "\(fixture["2️⃣"].line):\(fixture["2️⃣"].column) unknown Stripe event type 'payment_intent.succeded' (did you mean 'payment_intent.succeeded'?)"
                )
            },
            "\(messages)")
    }

    static func form(_ callback: SignedTestCallback) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: callback.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
