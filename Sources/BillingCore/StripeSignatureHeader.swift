/// The `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.
public struct StripeSignatureHeader: Sendable, Hashable, CustomStringConvertible {
    /// Header name.
    public static let name = "Stripe-Signature"

    /// Unix seconds the signature was made at.
    public let timestamp: Int64
    /// One lower-case hex HMAC per secret in use (several while a secret is being rolled).
    public let v1Signatures: [String]

    public init(timestamp: Int64, v1Signatures: [String]) {
        self.timestamp = timestamp
        self.v1Signatures = v1Signatures
    }

    /// Signs `body` with each secret, in order. Each secret is used verbatim as the HMAC key,
    /// `whsec_` prefix included; the message is `"<t>." + body`.
    public init(signing body: some Collection<UInt8>, secrets: [String], timestamp: Int64) {
        self.init(timestamp: timestamp, v1Signatures: secrets.map { Self.signature(body: body, secret: $0, timestamp: timestamp) })
    }

    /// `hex(HMAC-SHA256(key: secret, message: "<t>." + body))`.
    public static func signature(body: some Collection<UInt8>, secret: String, timestamp: Int64) -> String {
        HMACSHA256.hex(key: secret, message: Array(String(timestamp).utf8) + [UInt8(ascii: ".")] + Array(body))
    }

    /// Exactly `t=…,v1=…`: one `t`, first, no spaces, so every SDK's parser reads it.
    public var description: String {
        (["t=\(timestamp)"] + v1Signatures.map { "v1=\($0)" }).joined(separator: ",")
    }

    /// Reads a header the way stripe-python does: split on `,` then on the first `=`, without
    /// trimming; the first `t` wins; only `v1` entries are signatures (`v0` is ignored).
    /// Nil when there is no integer `t`.
    public init?(parsing header: String) {
        var timestamp: Int64?
        var signatures: [String] = []
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if pair[0] == "t", timestamp == nil {
                guard let t = Int64(pair[1]) else { return nil }
                timestamp = t
            } else if pair[0] == "v1" {
                signatures.append(String(pair[1]))
            }
        }
        guard let timestamp else { return nil }
        self.init(timestamp: timestamp, v1Signatures: signatures)
    }
}
