/// How a Stripe test webhook is signed: over exactly the body bytes sent, with the endpoint's
/// secret(s), or as a forger would (another secret, or the body changed after signing). Pure; no I/O.
public struct StripeTestCallback: Sendable {
    public var event: StripeEvent
    /// Every secret to sign with (two during a secret rotation, the old one first).
    public var secrets: [String]
    /// Signature time `t`, unix seconds; an old one makes a stale callback.
    public var timestamp: Int64
    public var layout: JSONValue.Layout
    /// Change the body (the amount, +1) after signing: a forged event the endpoint must refuse.
    public var tampered: Bool
    /// Sign with secrets the endpoint does not have.
    public var wrongSecret: Bool

    public init(
        event: StripeEvent, secrets: [String], timestamp: Int64, layout: JSONValue.Layout = .compact,
        tampered: Bool = false, wrongSecret: Bool = false
    ) {
        self.event = event
        self.secrets = secrets
        self.timestamp = timestamp
        self.layout = layout
        self.tampered = tampered
        self.wrongSecret = wrongSecret
    }

    /// The signature header as it goes on the wire.
    public var header: StripeSignatureHeader {
        // A secret the endpoint does not have: what a forger would produce.
        let signingSecrets = wrongSecret ? secrets.map { $0 + "_wrong" } : secrets
        return StripeSignatureHeader(signing: event.body(layout), secrets: signingSecrets, timestamp: timestamp)
    }

    /// The request Stripe would POST: JSON with its `Stripe-Signature` header.
    public func signed() -> SignedTestCallback {
        let header = header
        var sent = event
        if tampered { Self.tamperAmount(of: &sent) }
        return SignedTestCallback(
            headers: [("Content-Type", "application/json"), (StripeSignatureHeader.name, header.description)],
            body: sent.body(layout))
    }

    /// Raises the object's first amount field by one minor unit (or flips `livemode` when it has none).
    static func tamperAmount(of event: inout StripeEvent) {
        for field in ["amount", "amount_total", "amount_paid", "amount_due", "amount_refunded", "balance"] {
            if let value = event.envelope.value(at: "data.object.\(field)")?.intValue,
                (try? event.set(.int(value + 1), at: "data.object.\(field)")) != nil
            {
                return
            }
        }
        let live = event.envelope["livemode"] == .bool(true)
        try? event.set(.bool(!live), at: "livemode")
    }
}
