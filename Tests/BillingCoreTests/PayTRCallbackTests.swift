import BillingCore
import Testing

@Suite("PayTR callbacks, merchant_oid and tokens")
struct PayTRCallbackTests {
    let credentials = VectorFixtures.credentials

    @Test("a success form verifies, and changing any signed field after signing makes it fail")
    func tamper() throws {
        let form = PayTRCallback.success(merchantOID: try PayTRMerchantOID("SMK1"), amount: 297000).form(credentials: credentials)
        #expect(throws: Never.self) { try PayTRCallbackSignature.verify(fields: form.fields, credentials: credentials) }
        for (name, value) in [("total_amount", "297001"), ("status", "failed"), ("merchant_oid", "SMK2")] {
            #expect(throws: PayTRCallbackRejection.badHash) {
                try PayTRCallbackSignature.verify(fields: form.replacing(name, with: value).fields, credentials: credentials)
            }
        }
        #expect(throws: Never.self) {
            try PayTRCallbackSignature.verify(fields: form.replacing("test_mode", with: "0").fields, credentials: credentials)
        }
        let wrongSalt = PayTRCredentials(merchantID: "100001", merchantKey: "K3yForSmokeTests", merchantSalt: "other")
        #expect(throws: PayTRCallbackRejection.badHash) { try PayTRCallbackSignature.verify(fields: form.fields, credentials: wrongSalt) }
        #expect(throws: PayTRCallbackRejection.missingField("hash")) {
            try PayTRCallbackSignature.verify(fields: form.fields.filter { $0.name != "hash" }, credentials: credentials)
        }
    }

    @Test("a failed form carries the reason and total_amount 0, and the body percent-encodes + / = in the hash")
    func failedForm() throws {
        let callback = PayTRCallback.failed(
            merchantOID: try PayTRMerchantOID("SMKEFT0001"), reasonCode: "4",
            reasonMessage: "Transfer/EFT payment could not be detected", paymentType: .eft)
        let form = callback.form(credentials: credentials)
        #expect(
            form.fields.map(\.name) == [
                "merchant_oid", "status", "total_amount", "failed_reason_code", "failed_reason_msg", "payment_type", "test_mode", "hash",
            ])
        #expect(form["hash"] == "w2b7+tGxjvuK9WyUQKcm8YKa2tosCWejr3Rh2omozY4=")
        #expect(form.urlencodedBody.hasSuffix("&hash=w2b7%2BtGxjvuK9WyUQKcm8YKa2tosCWejr3Rh2omozY4%3D"))
        #expect(form.urlencodedBody.contains("failed_reason_msg=Transfer%2FEFT+payment+could+not+be+detected"))
    }

    @Test("merchant_oid: 1-64 ASCII letters and digits")
    func merchantOID() throws {
        #expect(throws: Never.self) { try PayTRMerchantOID(String(repeating: "A", count: 64)) }
        #expect(throws: PayTRMerchantOIDError.self) { try PayTRMerchantOID(String(repeating: "A", count: 65)) }
        for bad in ["", "SMK-1", "SMK_1", "SMK 1", "SİPARİŞ1"] {
            #expect(throws: PayTRMerchantOIDError.self) { try PayTRMerchantOID(bad) }
        }
        let seeded = try PayTRMerchantOID.generate(prefix: "SMK", length: 20, seed: 42)
        #expect(seeded == (try PayTRMerchantOID.generate(prefix: "SMK", length: 20, seed: 42)))
        #expect(seeded != (try PayTRMerchantOID.generate(prefix: "SMK", length: 20, seed: 43)))
        #expect(seeded.value.count == 20 && seeded.value.hasPrefix("SMK"))
        #expect(try PayTRMerchantOID.generate(length: 500).value.count == 64)
        let randoms = try Set((0..<200).map { _ in try PayTRMerchantOID.generate().value })
        #expect(randoms.count == 200)
    }

    @Test("credentials never print their secrets")
    func credentialsDescription() {
        #expect(!"\(credentials)".contains("K3y") && !"\(credentials)".contains("S4lt"))
    }

    @Test("TRY and TL both mean the lira")
    func currency() {
        #expect(PayTRCurrency(code: "TRY") == .tl)
        #expect(PayTRCurrency(code: "usd") == .usd)
        #expect(PayTRCurrency(code: "XYZ") == nil)
    }
}
