extension StripeEvent {
    /// Where each kind of object keeps the amount its other amount fields repeat.
    private static let primaryAmountPath = [
        "payment_intent": "amount", "charge": "amount", "checkout.session": "amount_total", "invoice": "total",
        "subscription": "items.data.0.price.unit_amount",
    ]

    /// The amount in minor units (4900 for 49.00) everywhere the object carries the charged
    /// amount: a payment intent's `amount` and `amount_received`, an invoice's `amount_due`,
    /// `amount_paid`, `total` and its line, a subscription's price… Fields that hold another
    /// amount (0 paid on a failed invoice) keep it. Events without an amount (`customer.updated`)
    /// are left as they are.
    public mutating func setAmount(_ amount: Int64) {
        guard let kind = object["object"]?.stringValue, let path = Self.primaryAmountPath[kind],
            let old = object.value(at: path)?.intValue
        else { return }
        let decimal = JSONValue.string(String(old))
        setObject(
            object.replacingIntegers(old, with: amount).mappingMembers(named: "unit_amount_decimal") {
                $0 == decimal ? .string(String(amount)) : $0
            })
    }

    /// The currency (`usd`; Stripe writes codes in lower case) of the object and of everything
    /// in it priced in the same currency.
    public mutating func setCurrency(_ currency: String) {
        guard let old = object["currency"], old != .null else { return }
        let new = JSONValue.string(currency.lowercased())
        setObject(object.mappingMembers(named: "currency") { $0 == old ? new : $0 })
    }
}

extension StripeEvent {
    /// Three ASCII letters, as Stripe's currency codes are (`usd`, `try`; any case).
    public static func isCurrencyCode(_ text: String) -> Bool {
        text.count == 3 && text.allSatisfy { $0.isASCII && $0.isLetter }
    }
}
