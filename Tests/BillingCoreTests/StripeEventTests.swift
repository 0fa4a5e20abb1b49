import BillingCore
import Testing

@Suite("Stripe events and signatures")
struct StripeEventTests {
    @Test(
        "every embedded template is its StripeEvents/ file, in key order (else run scripts/embed-stripe-events)",
        arguments: StripeEventType.allCases)
    func templates(type: StripeEventType) throws {
        let file = VectorFixtures.eventFile(type)
        let event = StripeEvent(template: type)
        #expect(event.envelope == (try JSONValue(parsing: file)))
        #expect(event.body(.pretty) + [0x0A] == Array(file.utf8))
        #expect(event.envelope["type"]?.stringValue == type.rawValue)
    }

    @Test("StripeEvents/ has one file per event type and no other (else run scripts/embed-stripe-events)")
    func templateFilesAreTheEventTypes() throws {
        #expect(try VectorFixtures.stripeEventFileTypes() == StripeEventType.allCases.map(\.rawValue).sorted())
    }

    @Test("the same seed gives the same ids and bytes; another seed, none, or another event type gives others")
    func deterministicIDs() throws {
        let a = try StripeEvent(type: .paymentIntentSucceeded, created: 1_767_225_600, seed: 7)
        let b = try StripeEvent(type: .paymentIntentSucceeded, created: 1_767_225_600, seed: 7)
        let c = try StripeEvent(type: .paymentIntentSucceeded, created: 1_767_225_600, seed: 8)
        let d = try StripeEvent(type: .paymentIntentSucceeded, created: 1_767_225_600)
        #expect(a.body() == b.body())
        #expect(a.id != c.id && a.id != d.id)
        let id = try #require(a.id)
        #expect(id.hasPrefix("evt_") && id.count == 28)
        let objectID = try #require(a.envelope.value(at: "data.object.id")?.stringValue)
        #expect(
            objectID.hasPrefix("pi_") && objectID != StripeEvent(template: .paymentIntentSucceeded).envelope.value(at: "data.object.id")?.stringValue)
        #expect(a.envelope.value(at: "data.object.client_secret")?.stringValue?.hasPrefix(objectID + "_secret_") == true)
        #expect(a.envelope["created"] == .int(1_767_225_600))

        let ids = try StripeEventType.allCases.map { try StripeEvent(type: $0, seed: 7).id }
        #expect(Set(ids).count == StripeEventType.allCases.count, "one seed, \(ids.count) types: \(ids)")
        let paid = try StripeEvent(type: .invoicePaid, seed: 7)
        let succeeded = try StripeEvent(type: .invoicePaymentSucceeded, seed: 7)
        #expect(paid.envelope.value(at: "data.object.id") != succeeded.envelope.value(at: "data.object.id"))
    }

    @Test("paths are relative to data.object, $. reaches the envelope, data.object.… still works; overrides are typed")
    func overrides() throws {
        let event = try StripeEvent(
            type: .paymentIntentSucceeded, apiVersion: .basil, seed: 1,
            overrides: [
                try JSONOverride(parsing: "amount=2000"),
                try JSONOverride(parsing: "metadata.booking_id=42"),
                try JSONOverride(parsing: "$.livemode=true"),
                try JSONOverride(parsing: "livemode=true"),
                try JSONOverride(parsing: "data.object.customer=null"),
                try JSONOverride(parsing: "description=Deploy check 7"),
                try JSONOverride(parsing: #"receipt_email="42""#),
                try JSONOverride(parsing: "payment_method_types.0=link"),
                try JSONOverride(parsing: "$.request.id=req_custom"),
            ])
        let object = try #require(event.envelope.value(at: "data.object"))
        #expect(object["amount"] == .int(2000))
        #expect(object["metadata"]?["booking_id"] == .string("42"))
        #expect(event.envelope["livemode"] == .bool(true) && object["livemode"] == .bool(true))
        #expect(object["customer"] == .null)
        #expect(object["description"] == .string("Deploy check 7"))
        #expect(object["receipt_email"] == .string("42"))
        #expect(object.value(at: "payment_method_types.0") == .string("link"))
        #expect(event.envelope.value(at: "request.id") == .string("req_custom"))
        #expect(event.envelope["api_version"] == .string("2025-03-31.basil"))
        guard case .object(let members) = object else {
            Issue.record("not an object")
            return
        }
        #expect(members.firstIndex { $0.key == "amount" } == 2)
        guard case .object(let metadata)? = object["metadata"] else {
            Issue.record("no metadata")
            return
        }
        #expect(metadata.map(\.key) == ["order_id", "deploy_check", "booking_id"])
    }

    @Test("an override through a string or past an array's end is a clear error")
    func badPaths() throws {
        #expect(throws: JSONPathError.self) { try StripeEvent(type: .chargeRefunded, overrides: [try JSONOverride(parsing: "currency.code=usd")]) }
        #expect(throws: JSONPathError.self) {
            try StripeEvent(type: .paymentIntentSucceeded, overrides: [try JSONOverride(parsing: "payment_method_types.9=x")])
        }
        #expect(throws: JSONPathError.self) { try StripeEvent(type: .paymentIntentSucceeded, overrides: [try JSONOverride(parsing: "$=1")]) }
        #expect(throws: JSONOverrideError.self) { try JSONOverride(parsing: "amount") }
        #expect(throws: JSONOverrideError.self) { try JSONOverride(parsing: "=5") }
        #expect(throws: JSONOverrideError.self) { try JSONOverride(parsing: "a..b=5") }
        #expect(throws: JSONOverrideError.self) { try JSONOverride(parsing: "a={broken") }
    }

    @Test("a signed event verifies; one byte changed, a stale t, a future t or another secret do not")
    func signAndVerify() throws {
        let secret = "whsec_smoketest2f9c1e7a4b6d8e0f1a3c5e7b9d1f3a5c"
        let body = try StripeEvent(type: .invoicePaymentSucceeded, seed: 3).body()
        let t: Int64 = 1_767_225_600
        let header = StripeSignatureHeader(signing: body, secrets: [secret], timestamp: t).description
        let verifier = StripeSignatureVerifier(secret: secret)
        #expect(throws: Never.self) { try verifier.verify(body: body, header: header, now: t + 300) }
        #expect(throws: Never.self) { try verifier.verify(body: body, header: header, now: t - 300) }
        #expect(throws: StripeSignatureRejection.timestampOutsideTolerance(age: 301, tolerance: 300)) {
            try verifier.verify(body: body, header: header, now: t + 301)
        }
        #expect(throws: StripeSignatureRejection.timestampOutsideTolerance(age: -301, tolerance: 300)) {
            try verifier.verify(body: body, header: header, now: t - 301)
        }
        #expect(throws: Never.self) {
            try StripeSignatureVerifier(secret: secret, clockCheck: .pastOnly).verify(body: body, header: header, now: t - 3600)
        }
        var tampered = body
        tampered[tampered.count / 2] ^= 0x01
        #expect(throws: StripeSignatureRejection.noMatchingSignature) { try verifier.verify(body: tampered, header: header, now: t) }
        #expect(throws: StripeSignatureRejection.noMatchingSignature) {
            try StripeSignatureVerifier(secret: String(secret.dropFirst("whsec_".count))).verify(body: body, header: header, now: t)
        }
        #expect(throws: StripeSignatureRejection.malformedHeader) { try verifier.verify(body: body, header: "v1=abc", now: t) }
        #expect(throws: StripeSignatureRejection.noV1Signature) {
            try verifier.verify(body: body, header: header.replacingOccurrences(of: ",v1=", with: ", v1="), now: t)
        }
    }
}
