import Testing

@testable import BillingCore

@Suite("PayTR vectors from billing/vectors.json")
struct PayTRVectorTests {
    static let callbacks = VectorFixtures.ids("paytr_callback")
    static let tokens = VectorFixtures.ids("paytr_iframe_token")

    @Test("every callback vector is accepted or rejected as the libraries judged it", arguments: callbacks)
    func callbackVerdict(id: String) {
        let vector = VectorFixtures.vector(id)
        let fields = VectorFixtures.fields(vector["form"])
        let credentials = PayTRCredentials(
            merchantID: "100001", merchantKey: vector.string("merchant_key"), merchantSalt: vector.string("merchant_salt"))
        let accepted = (try? PayTRCallbackSignature.verify(fields: fields, credentials: credentials)) != nil
        #expect(accepted == (vector["expect_valid"] == .bool(true)), "\(id)")
    }

    @Test("the urlencoded body of every callback vector is reproduced byte for byte", arguments: callbacks)
    func callbackEncoding(id: String) {
        let vector = VectorFixtures.vector(id)
        #expect(FormURLEncoding.encode(VectorFixtures.fields(vector["form"])) == vector.string("form_urlencoded"))
        let decoded = FormURLEncoding.decode(vector.string("form_urlencoded"))
        #expect(decoded?.map(\.value) == VectorFixtures.fields(vector["form"]).map(\.value))
    }

    @Test("each callback vector's hash is Base64 HMAC-SHA256 of its hash_input", arguments: callbacks)
    func callbackHashInput(id: String) {
        let vector = VectorFixtures.vector(id)
        // For reject vectors the signer erred in hash_input (no salt, 2970.00…); the hash still matches it.
        let hash = PayTRCallbackSignature.hash(key: vector.string("merchant_key"), message: vector.string("hash_input"))
        #expect(hash == vector["form"]?.string("hash"))
    }

    @Test(
        "the callback builder produces the accepted vectors' forms byte for byte",
        arguments: [
            "paytr-cb-1-success-2970TRY", "paytr-cb-2-failed-code2-nonascii-msg", "paytr-cb-3-installment-total-gt-payment",
            "paytr-cb-4-usd-1.00", "paytr-cb-5-eft-failed-code4", "paytr-cb-6-link-api-callback-id", "paytr-cb-7-oid-64-chars",
        ])
    func builderMatches(id: String) throws {
        let vector = VectorFixtures.vector(id)
        let form = try #require(vector["form"])
        let callback = PayTRCallback(
            merchantOID: try PayTRMerchantOID(form.string("merchant_oid")),
            status: try #require(PayTRCallback.Status(rawValue: form.string("status"))),
            totalAmount: try #require(Int64(form.string("total_amount"))),
            paymentAmount: form["payment_amount"].flatMap { $0.stringValue }.flatMap { Int64($0) },
            paymentType: try #require(PayTRCallback.PaymentType(rawValue: form.string("payment_type"))),
            currency: form["currency"].flatMap { $0.stringValue }.flatMap { PayTRCurrency(code: $0) },
            testMode: form.string("test_mode") == "1",
            failedReasonCode: form["failed_reason_code"]?.stringValue,
            failedReasonMessage: form["failed_reason_msg"]?.stringValue,
            callbackID: form["callback_id"]?.stringValue
        )
        #expect(callback.hashInput(merchantSalt: "S4ltForSmokeTst1") == vector.string("hash_input"))
        let built = callback.form(credentials: VectorFixtures.credentials)
        #expect(built["hash"] == form.string("hash"))
        if id == "paytr-cb-6-link-api-callback-id" {
            // PayTR's Link callback lists payment_amount before payment_type; same fields, same hash.
            #expect(Set(built.fields.map { "\($0.name)=\($0.value)" }) == Set(VectorFixtures.fields(form).map { "\($0.name)=\($0.value)" }))
        } else {
            #expect(built.urlencodedBody == vector.string("form_urlencoded"))
        }
    }

    @Test("every iFrame token vector: hash string and paytr_token equal byte for byte", arguments: tokens)
    func iframeToken(id: String) throws {
        let vector = VectorFixtures.vector(id)
        let f = try #require(vector["token_fields_in_order"])
        let paymentType: PayTRIFrameOrder.PaymentType =
            f["payment_type"]?.stringValue == "eft"
            ? .eft
            : .card(
                userBasket: f.string("user_basket"), noInstallment: f.string("no_installment") == "1",
                maxInstallment: try #require(Int(f.string("max_installment"))), currency: try #require(PayTRCurrency(code: f.string("currency"))))
        let order = PayTRIFrameOrder(
            userIP: f.string("user_ip"), merchantOID: try PayTRMerchantOID(f.string("merchant_oid")), email: f.string("email"),
            paymentAmount: try #require(Int64(f.string("payment_amount"))), paymentType: paymentType, testMode: f.string("test_mode") == "1")
        #expect(order.hashString(merchantID: vector.string("merchant_id")) == vector.string("hash_str_without_salt"))
        #expect(order.paytrToken(credentials: VectorFixtures.credentials) == vector.string("paytr_token"))
    }

    @Test("token-4: 19.99 USD is 1999 cents, exactly")
    func floatPitfall() throws {
        let vector = VectorFixtures.vector("paytr-token-4-usd-19.99-float-pitfall")
        let amount = try Money(parsing: "19.99", currency: .usd)
        #expect(String(amount.minorUnits) == vector["token_fields_in_order"]?.string("payment_amount"))
    }
}
