extension StripeEvent {
    /// Moves the object's fields from the newest shape (the templates') to where `version` has
    /// them. Only `2025-03-31.basil` moved fields of the objects Rollout sends; from basil on the
    /// templates' shape is the version's own.
    ///
    /// Before basil:
    /// - an invoice names its subscription in `subscription` and `subscription_details` (not
    ///   `parent.subscription_details`), and carries `paid`, `paid_out_of_band`, `charge`,
    ///   `payment_intent` and `quote`;
    /// - its lines carry `type`, `subscription`, `subscription_item`, `invoice_item`, `proration`
    ///   and `proration_details` (not `parent`), and `price` (not `pricing`);
    /// - a subscription's period is its own `current_period_start`/`_end`, not its items';
    /// - payment intents and charges carry `invoice`.
    mutating func reshape(for version: StripeAPIVersion, using generator: inout any RandomNumberGenerator) {
        guard !version.hasBasilShapes else { return }
        var object = self.object
        switch object["object"]?.stringValue {
        case "invoice": Self.reshapeInvoiceBeforeBasil(&object, using: &generator)
        case "subscription": Self.reshapeSubscriptionBeforeBasil(&object)
        case "payment_intent", "charge": object.insertMember("invoice", .null)
        default: break
        }
        setObject(object)
    }

    private static func reshapeInvoiceBeforeBasil(_ invoice: inout JSONValue, using generator: inout any RandomNumberGenerator) {
        let parent = invoice.removeMember("parent")
        let details = parent?["subscription_details"].flatMap { $0 == .null ? nil : $0 }
        // A payment was attempted: the payment intent (and its charge) that basil moved to the
        // invoice's payments.
        let attempted = invoice["attempted"] == .bool(true)
        let charge = JSONValue.string("ch_" + AlphanumericIdentifier.make(length: 24, using: &generator))
        let paymentIntent = JSONValue.string("pi_" + AlphanumericIdentifier.make(length: 24, using: &generator))
        invoice.insertMember("charge", attempted ? charge : .null)
        invoice.insertMember("paid", .bool(invoice["status"]?.stringValue == "paid"))
        invoice.insertMember("paid_out_of_band", .bool(false))
        invoice.insertMember("payment_intent", attempted ? paymentIntent : .null)
        invoice.insertMember("quote", parent?.value(at: "quote_details.quote") ?? .null)
        invoice.insertMember("subscription", details?["subscription"] ?? .null)
        invoice.insertMember("subscription_details", details.map { .object([("metadata", $0["metadata"] ?? .object([]))]) } ?? .null)
        guard let lines = invoice.value(at: "lines.data")?.arrayItems else { return }
        let reshaped = lines.map { line in
            var line = line
            let parent = line.removeMember("parent")
            let fromSubscription = parent?["type"]?.stringValue == "subscription_item_details"
            let details = parent?[fromSubscription ? "subscription_item_details" : "invoice_item_details"] ?? .null
            line.insertMember("invoice_item", details["invoice_item"] ?? .null)
            line.insertMember("proration", details["proration"] ?? .bool(false))
            line.insertMember("proration_details", details["proration_details"] ?? .object([("credited_items", .null)]))
            line.insertMember("subscription", details["subscription"] ?? .null)
            line.insertMember("subscription_item", details["subscription_item"] ?? .null)
            line.insertMember("type", .string(fromSubscription ? "subscription" : "invoiceitem"))
            if let pricing = line.removeMember("pricing"), let price = pricing["price_details"] {
                let unitAmount = pricing["unit_amount_decimal"]?.stringValue
                line.insertMember(
                    "price",
                    .object([
                        ("id", price["price"] ?? .null),
                        ("object", .string("price")),
                        ("currency", line["currency"] ?? .null),
                        ("product", price["product"] ?? .null),
                        ("type", .string(fromSubscription ? "recurring" : "one_time")),
                        ("unit_amount", unitAmount.flatMap { Int64($0) }.map(JSONValue.int) ?? .null),
                    ]))
            }
            return line
        }
        invoice = (try? invoice.setting(.array(reshaped), at: "lines.data")) ?? invoice
    }

    private static func reshapeSubscriptionBeforeBasil(_ subscription: inout JSONValue) {
        guard let items = subscription.value(at: "items.data")?.arrayItems, let first = items.first else { return }
        subscription.insertMember("current_period_end", first["current_period_end"] ?? .null)
        subscription.insertMember("current_period_start", first["current_period_start"] ?? .null)
        let reshaped = items.map { item in
            var item = item
            item.removeMember("current_period_start")
            item.removeMember("current_period_end")
            return item
        }
        subscription = (try? subscription.setting(.array(reshaped), at: "items.data")) ?? subscription
    }
}
