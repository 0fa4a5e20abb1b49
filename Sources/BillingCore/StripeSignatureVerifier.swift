/// Checks a `Stripe-Signature` header against a raw body, as a webhook endpoint must.
public struct StripeSignatureVerifier: Sendable {
    /// Which side of the receiver's clock the tolerance applies to.
    public enum ClockCheck: Sendable, Hashable {
        /// Reject when `|now − t| > tolerance`, as Stripe.net and stripe-php do. The default: a
        /// signer that passes this passes every SDK.
        case pastAndFuture
        /// Reject only when `now − t > tolerance` (too old), as stripe-python, stripe-node and
        /// stripe-go do; a post-dated `t` passes.
        case pastOnly
    }

    /// Stripe's default tolerance in every SDK: 300 seconds.
    public static let defaultTolerance: Int64 = 300

    /// The endpoint secret, used verbatim (`whsec_…` prefix included).
    public let secret: String
    /// Seconds `t` may differ from the receiver's clock; 0 disables the check.
    public let tolerance: Int64
    /// Whether a post-dated `t` is also refused.
    public let clockCheck: ClockCheck

    public init(secret: String, tolerance: Int64 = StripeSignatureVerifier.defaultTolerance, clockCheck: ClockCheck = .pastAndFuture) {
        self.secret = secret
        self.tolerance = tolerance
        self.clockCheck = clockCheck
    }

    /// Accepts when any `v1` signature in `header` matches `body` under the secret (compared in
    /// constant time) and `t` is within the tolerance of `now` (unix seconds).
    public func verify(body: some Collection<UInt8>, header: String, now: Int64) throws(StripeSignatureRejection) {
        guard let parsed = StripeSignatureHeader(parsing: header) else { throw .malformedHeader }
        guard !parsed.v1Signatures.isEmpty else { throw .noV1Signature }
        let expected = StripeSignatureHeader.signature(body: body, secret: secret, timestamp: parsed.timestamp)
        var matched = false
        for candidate in parsed.v1Signatures {
            // Compare against every candidate, so the time taken does not reveal which one matched.
            matched = ConstantTimeComparison.equal(expected.utf8, candidate.utf8) || matched
        }
        guard matched else { throw .noMatchingSignature }
        let age = now - parsed.timestamp
        let outside =
            switch clockCheck {
            case .pastAndFuture: age > tolerance || -age > tolerance
            case .pastOnly: age > tolerance
            }
        if tolerance > 0, outside { throw .timestampOutsideTolerance(age: age, tolerance: tolerance) }
    }
}

/// Why a Stripe webhook signature was not accepted.
public enum StripeSignatureRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// No integer `t=` in the header.
    case malformedHeader
    /// The header has no `v1=` entry (for example only `v0`, or `, v1=` with a space).
    case noV1Signature
    /// No `v1` matches the body under this secret: wrong secret, or the body changed after signing.
    case noMatchingSignature
    /// `t` is further than the tolerance from the receiver's clock; `age` is `now − t` in seconds.
    case timestampOutsideTolerance(age: Int64, tolerance: Int64)

    public var description: String {
        switch self {
        case .malformedHeader:
            "Stripe-Signature header has no `t=<unix seconds>` entry"
        case .noV1Signature:
            "Stripe-Signature header has no `v1=` signature (write exactly `t=…,v1=…`, no spaces)"
        case .noMatchingSignature:
            "no v1 signature matches the body under this secret: the secret differs or the body was changed after signing"
        case .timestampOutsideTolerance(let age, let tolerance):
            age >= 0
                ? "Stripe-Signature timestamp is \(age) s old, beyond the \(tolerance) s tolerance: sign with a fresh timestamp or fix the clock"
                : "Stripe-Signature timestamp is \(-age) s in the future, beyond the \(tolerance) s tolerance: fix the signer's clock"
        }
    }
}
