/// A PayTR store's merchant number and its two secrets.
///
/// `description` never shows the key or the salt, so the value can be logged safely.
public struct PayTRCredentials: Sendable, Hashable, CustomStringConvertible {
    /// Store number from the PayTR panel (`merchant_id`).
    public let merchantID: String
    /// `merchant_key`: the HMAC key.
    public let merchantKey: String
    /// `merchant_salt`: appended to every signed message.
    public let merchantSalt: String

    public init(merchantID: String, merchantKey: String, merchantSalt: String) {
        self.merchantID = merchantID
        self.merchantKey = merchantKey
        self.merchantSalt = merchantSalt
    }

    public var description: String { "PayTR merchant \(merchantID) (key and salt hidden)" }
}
