/// A PayTR order id (`merchant_oid`): 1 to 64 ASCII letters and digits, unique per payment.
public struct PayTRMerchantOID: Sendable, Hashable, CustomStringConvertible {
    /// The id as sent.
    public let value: String

    /// The longest `merchant_oid` PayTR accepts.
    public static let maximumLength = 64

    /// Checks `value` against PayTR's rules.
    public init(_ value: String) throws(PayTRMerchantOIDError) {
        guard !value.isEmpty, value.utf8.count <= Self.maximumLength else {
            throw PayTRMerchantOIDError(value: value, reason: .length)
        }
        guard value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }) else {
            throw PayTRMerchantOIDError(value: value, reason: .characters)
        }
        self.value = value
    }

    /// A new order id: `prefix` followed by random letters and digits up to `length` characters.
    /// With a `seed` the same id comes out every time (for reproducible test runs).
    public static func generate(prefix: String = "RO", length: Int = 20, seed: UInt64? = nil) throws(PayTRMerchantOIDError) -> PayTRMerchantOID {
        let bounded = min(max(length, prefix.utf8.count), maximumLength)
        let random = AlphanumericIdentifier.make(length: bounded - prefix.utf8.count, seed: seed)
        return try PayTRMerchantOID(prefix + random)
    }

    public var description: String { value }
}

/// Why a string cannot be a PayTR `merchant_oid`.
public struct PayTRMerchantOIDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which rule the value breaks.
    public enum Reason: Sendable, Equatable {
        case length
        case characters
    }

    /// The rejected text.
    public let value: String
    /// The rule it breaks.
    public let reason: Reason

    public var description: String {
        switch reason {
        case .length:
            "merchant_oid `\(value)` must be 1 to 64 characters long (it has \(value.utf8.count))"
        case .characters:
            "merchant_oid `\(value)` may contain only ASCII letters and digits (no `-`, `_` or spaces)"
        }
    }
}
