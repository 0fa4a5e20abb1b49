/// How a PayTR test notification is signed: with the store's credentials, or as a forger would
/// (the wrong key, or a field changed after signing). Pure; no I/O.
public struct PayTRTestCallback: Sendable {
    public var callback: PayTRCallback
    public var credentials: PayTRCredentials
    /// Raise `total_amount` by one kuruş after signing: a forged notification the store must refuse.
    public var tampered: Bool
    /// Sign with a key the store does not have.
    public var wrongSecret: Bool
    /// Form fields set after signing (unsigned ones such as `payment_type`, or a forged `hash`),
    /// replacing a field of that name in place or appended.
    public var unsignedFields: [(name: String, value: String)]

    public init(
        callback: PayTRCallback, credentials: PayTRCredentials, tampered: Bool = false, wrongSecret: Bool = false,
        unsignedFields: [(name: String, value: String)] = []
    ) {
        self.callback = callback
        self.credentials = credentials
        self.tampered = tampered
        self.wrongSecret = wrongSecret
        self.unsignedFields = unsignedFields
    }

    /// The signed form.
    public var form: PayTRCallbackForm {
        // A key no store has: what a forger without the secret would produce.
        let signing =
            wrongSecret
            ? PayTRCredentials(
                merchantID: credentials.merchantID, merchantKey: "wrong-" + credentials.merchantKey, merchantSalt: credentials.merchantSalt)
            : credentials
        var form = callback.form(credentials: signing)
        for field in unsignedFields { form = form.replacing(field.name, with: field.value) }
        if tampered { form = form.replacing("total_amount", with: String(callback.totalAmount + 1)) }
        return form
    }

    /// The request PayTR would POST: a urlencoded form.
    public func signed() -> SignedTestCallback {
        SignedTestCallback(headers: [("Content-Type", PayTRCallbackForm.contentType)], body: Array(form.urlencodedBody.utf8))
    }
}
