/// The signed fields of an iFrame API STEP 1 request (`POST /odeme/api/get-token`).
///
/// Every value is written exactly as it is POSTed; the token is computed over those strings.
public struct PayTRIFrameOrder: Sendable, Hashable {
    /// Which iFrame: card (with basket) or Havale/EFT; each has its own token field list.
    public enum PaymentType: Sendable, Hashable {
        /// Card payment with a basket and installment options.
        case card(userBasket: String, noInstallment: Bool, maxInstallment: Int, currency: PayTRCurrency)
        /// Havale/EFT iFrame (`payment_type=eft`): no basket or installments in the token.
        case eft
    }

    /// Buyer's public IPv4 address.
    public var userIP: String
    /// `merchant_oid`, unique per payment.
    public var merchantOID: PayTRMerchantOID
    /// Buyer's e-mail, at most 100 characters; signed as UTF-8.
    public var email: String
    /// Kuruş (amount × 100): `297000` for 2970.00.
    public var paymentAmount: Int64
    /// Card or EFT, with the card-only fields.
    public var paymentType: PaymentType
    /// `test_mode`: a test transaction in a live store.
    public var testMode: Bool

    public init(userIP: String, merchantOID: PayTRMerchantOID, email: String, paymentAmount: Int64, paymentType: PaymentType, testMode: Bool) {
        self.userIP = userIP
        self.merchantOID = merchantOID
        self.email = email
        self.paymentAmount = paymentAmount
        self.paymentType = paymentType
        self.testMode = testMode
    }

    /// The message before the salt, in PayTR's order:
    /// card: `merchant_id user_ip merchant_oid email payment_amount user_basket no_installment max_installment currency test_mode`;
    /// EFT: `merchant_id user_ip merchant_oid email payment_amount "eft" test_mode`.
    public func hashString(merchantID: String) -> String {
        let head = merchantID + userIP + merchantOID.value + email + String(paymentAmount)
        let test = testMode ? "1" : "0"
        switch paymentType {
        case .card(let basket, let noInstallment, let maxInstallment, let currency):
            return head + basket + (noInstallment ? "1" : "0") + String(maxInstallment) + currency.rawValue + test
        case .eft:
            return head + "eft" + test
        }
    }

    /// `paytr_token` = Base64(HMAC-SHA256(key: merchant_key, message: hashString + merchant_salt)).
    public func paytrToken(credentials: PayTRCredentials) -> String {
        HMACSHA256.base64(key: credentials.merchantKey, message: hashString(merchantID: credentials.merchantID) + credentials.merchantSalt)
    }
}
