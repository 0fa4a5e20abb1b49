/// The notification PayTR POSTs to a store's Notification URL after a payment (iFrame API STEP 2).
///
/// Only `merchant_oid`, `status` and `total_amount` (and `callback_id` for Link API callbacks) are
/// signed; the other fields travel unauthenticated.
public struct PayTRCallback: Sendable, Hashable {
    /// `status`: the payment's result.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case success
        case failed
    }

    /// `payment_type`: card or Havale/EFT.
    public enum PaymentType: String, Sendable, Hashable, CaseIterable {
        case card
        case eft
    }

    /// `merchant_oid`: the order id from STEP 1 (signed).
    public var merchantOID: PayTRMerchantOID
    /// `status` (signed).
    public var status: Status
    /// Kuruş collected, as posted; PayTR sends `0` for a failed payment.
    public var totalAmount: Int64
    /// The STEP 1 `payment_amount` in kuruş (sent on success).
    public var paymentAmount: Int64?
    /// `payment_type` (unsigned).
    public var paymentType: PaymentType
    /// Sent on success.
    public var currency: PayTRCurrency?
    /// `test_mode`: 1 for a test transaction (unsigned).
    public var testMode: Bool
    /// `failed_reason_code` from PayTR's table (0 declined, 2 wrong SMS code, 6 abandoned…); failed only.
    public var failedReasonCode: String?
    /// `failed_reason_msg`; failed only.
    public var failedReasonMessage: String?
    /// Link API callbacks only: signed first in the hash, and sent with `merchant_id`.
    public var callbackID: String?

    /// A successful payment of `amount` kuruş: `total_amount` and `payment_amount` both `amount`.
    public static func success(
        merchantOID: PayTRMerchantOID, amount: Int64, currency: PayTRCurrency = .tl, paymentType: PaymentType = .card, testMode: Bool = true
    ) -> PayTRCallback {
        PayTRCallback(
            merchantOID: merchantOID, status: .success, totalAmount: amount, paymentAmount: amount, paymentType: paymentType, currency: currency,
            testMode: testMode, failedReasonCode: nil, failedReasonMessage: nil, callbackID: nil)
    }

    /// A failed payment: `total_amount` 0 and the reason PayTR gives.
    public static func failed(
        merchantOID: PayTRMerchantOID, reasonCode: String = "0", reasonMessage: String = "Payment declined by the bank",
        paymentType: PaymentType = .card, testMode: Bool = true
    ) -> PayTRCallback {
        PayTRCallback(
            merchantOID: merchantOID, status: .failed, totalAmount: 0, paymentAmount: nil, paymentType: paymentType, currency: nil,
            testMode: testMode, failedReasonCode: reasonCode, failedReasonMessage: reasonMessage, callbackID: nil)
    }

    public init(
        merchantOID: PayTRMerchantOID, status: Status, totalAmount: Int64, paymentAmount: Int64?, paymentType: PaymentType, currency: PayTRCurrency?,
        testMode: Bool, failedReasonCode: String?, failedReasonMessage: String?, callbackID: String?
    ) {
        self.merchantOID = merchantOID
        self.status = status
        self.totalAmount = totalAmount
        self.paymentAmount = paymentAmount
        self.paymentType = paymentType
        self.currency = currency
        self.testMode = testMode
        self.failedReasonCode = failedReasonCode
        self.failedReasonMessage = failedReasonMessage
        self.callbackID = callbackID
    }

    /// The signed message before the HMAC: `[callback_id] merchant_oid merchant_salt status total_amount`.
    public func hashInput(merchantSalt: String) -> String {
        (callbackID ?? "") + merchantOID.value + merchantSalt + status.rawValue + String(totalAmount)
    }

    /// `hash` = Base64(HMAC-SHA256(key: merchant_key, message: hashInput)).
    public func hash(credentials: PayTRCredentials) -> String {
        PayTRCallbackSignature.hash(key: credentials.merchantKey, message: hashInput(merchantSalt: credentials.merchantSalt))
    }

    /// The form PayTR would POST, in the order its notifications carry the fields, ending with `hash`.
    public func form(credentials: PayTRCredentials) -> PayTRCallbackForm {
        var fields: [(name: String, value: String)] = [
            ("merchant_oid", merchantOID.value),
            ("status", status.rawValue),
            ("total_amount", String(totalAmount)),
        ]
        if let failedReasonCode { fields.append(("failed_reason_code", failedReasonCode)) }
        if let failedReasonMessage { fields.append(("failed_reason_msg", failedReasonMessage)) }
        fields.append(("payment_type", paymentType.rawValue))
        if let paymentAmount { fields.append(("payment_amount", String(paymentAmount))) }
        if let currency { fields.append(("currency", currency.rawValue)) }
        if let callbackID {
            fields.append(("callback_id", callbackID))
            fields.append(("merchant_id", credentials.merchantID))
        }
        fields.append(("test_mode", testMode ? "1" : "0"))
        fields.append(("hash", hash(credentials: credentials)))
        return PayTRCallbackForm(fields: fields)
    }
}
