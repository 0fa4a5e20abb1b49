/// Verification of a received PayTR callback, as a store's Notification URL must do it.
public enum PayTRCallbackSignature {
    static func hash(key: String, message: String) -> String {
        HMACSHA256.base64(key: key, message: message)
    }

    /// Whether `fields` (decoded form fields, any order) carry a `hash` that matches
    /// `[callback_id] + merchant_oid + merchant_salt + status + total_amount` under the key.
    ///
    /// Values are used exactly as posted. The comparison takes the same time wherever the hashes
    /// differ.
    public static func verify(fields: [(name: String, value: String)], credentials: PayTRCredentials) throws(PayTRCallbackRejection) {
        func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
        func required(_ name: String) throws(PayTRCallbackRejection) -> String {
            guard let found = value(name) else { throw .missingField(name) }
            return found
        }
        let oid = try required("merchant_oid")
        let status = try required("status")
        let total = try required("total_amount")
        let received = try required("hash")
        let expected = hash(key: credentials.merchantKey, message: (value("callback_id") ?? "") + oid + credentials.merchantSalt + status + total)
        guard ConstantTimeComparison.equal(expected.utf8, received.utf8) else { throw .badHash }
    }
}

/// Why a PayTR callback was not accepted.
public enum PayTRCallbackRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// A signed field or the hash itself is absent.
    case missingField(String)
    /// The hash does not match the signed fields under this store's key and salt.
    case badHash

    public var description: String {
        switch self {
        case .missingField(let name): "PayTR callback has no `\(name)` field"
        case .badHash: "PayTR callback hash does not match its merchant_oid, status and total_amount under this key and salt"
        }
    }
}
