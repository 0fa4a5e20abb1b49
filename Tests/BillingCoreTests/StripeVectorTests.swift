import BillingCore
import Foundation
import Testing

@Suite("Stripe vectors from billing/vectors.json")
struct StripeVectorTests {
    static let vectors = VectorFixtures.ids("stripe")

    static func body(_ vector: JSONValue) -> [UInt8] {
        Array(Data(base64Encoded: vector.string("body_b64"))!)
    }

    @Test("every signature vector is accepted or rejected as stripe-python judged it", arguments: vectors)
    func verdict(id: String) throws {
        let vector = VectorFixtures.vector(id)
        let header = try #require(vector["headers"]?.string("Stripe-Signature"))
        let verifier = StripeSignatureVerifier(
            secret: vector.string("secret"), tolerance: try #require(vector["tolerance"]?.intValue), clockCheck: .pastOnly)
        let now = try #require(vector["now"]?.intValue)
        var rejection: StripeSignatureRejection?
        do { try verifier.verify(body: Self.body(vector), header: header, now: now) } catch { rejection = error }
        #expect((rejection == nil) == (vector["expect_valid"] == .bool(true)), "\(id): \(String(describing: rejection))")
    }

    @Test("the default two-sided clock check rejects only the post-dated vector among the accepted ones", arguments: vectors)
    func twoSided(id: String) throws {
        let vector = VectorFixtures.vector(id)
        guard vector["expect_valid"] == .bool(true) else { return }
        let verifier = StripeSignatureVerifier(secret: vector.string("secret"))
        let header = try #require(vector["headers"]?.string("Stripe-Signature"))
        let now = try #require(vector["now"]?.intValue)
        if vector.string("id") == "stripe-info-7-future-timestamp" {
            #expect(throws: StripeSignatureRejection.timestampOutsideTolerance(age: -3600, tolerance: 300)) {
                try verifier.verify(body: Self.body(vector), header: header, now: now)
            }
        } else {
            #expect(throws: Never.self) { try verifier.verify(body: Self.body(vector), header: header, now: now) }
        }
    }

    @Test(
        "signing a vector's body at its t reproduces its header byte for byte",
        arguments: VectorFixtures.ids("stripe") { $0["expect_valid"] == .bool(true) && $0.string("id") != "stripe-2-multi-v1-rotation" })
    func signing(id: String) throws {
        let vector = VectorFixtures.vector(id)
        let header = StripeSignatureHeader(
            signing: Self.body(vector), secrets: [vector.string("secret")], timestamp: try #require(vector["timestamp"]?.intValue))
        #expect(header.description == vector["headers"]?.string("Stripe-Signature"))
    }

    @Test(
        "the template of each signed event serialises to the exact body bytes of its vector",
        arguments: [
            "stripe-1-pi-succeeded-compact", "stripe-2-multi-v1-rotation", "stripe-3-nonascii-utf8-body",
            "stripe-4-pretty-printed-body", "stripe-5-subscription-updated",
        ])
    func templateBodies(id: String) throws {
        let vector = VectorFixtures.vector(id)
        let body = Self.body(vector)
        let type = try #require(StripeEventType(rawValue: try JSONValue(parsing: String(decoding: body, as: UTF8.self)).string("type")))
        let layout: JSONValue.Layout = id.contains("pretty") ? .pretty : .compact
        #expect(StripeEvent(template: type).body(layout) == body)
    }

    @Test("a header that carries the old and the new secret's v1 passes with either secret")
    func rotation() throws {
        let body = Array(#"{"id":"evt_x","object":"event"}"#.utf8)
        let header = StripeSignatureHeader(signing: body, secrets: ["whsec_old", "whsec_new"], timestamp: 1_767_225_600).description
        #expect(header.components(separatedBy: ",v1=").count == 3)
        for secret in ["whsec_old", "whsec_new"] {
            #expect(throws: Never.self) { try StripeSignatureVerifier(secret: secret).verify(body: body, header: header, now: 1_767_225_600) }
        }
        #expect(throws: StripeSignatureRejection.noMatchingSignature) {
            try StripeSignatureVerifier(secret: "whsec_other").verify(body: body, header: header, now: 1_767_225_600)
        }
    }
}
