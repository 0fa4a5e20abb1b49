import BillingCore
import Testing

/// Events as an endpoint pinned to an API version receives them, with ids that agree.
@Suite("Stripe event shapes per API version, and ids that refer to each other")
struct StripeEventShapeTests {
    static let legacy = try! StripeAPIVersion(parsing: "2024-06-20")
    static let acacia = try! StripeAPIVersion(parsing: "2025-02-24.acacia")
    static let versions = [legacy, acacia, StripeAPIVersion.basil, StripeEvent.defaultAPIVersion]

    @Test(
        "an invoice names its subscription in invoice.subscription before basil, in parent.subscription_details from basil on",
        arguments: [StripeEventType.invoicePaymentSucceeded, .invoicePaid, .invoicePaymentFailed])
    func invoiceSubscription(type: StripeEventType) throws {
        for version in [Self.legacy, Self.acacia] {
            let object = try #require(try StripeEvent(type: type, apiVersion: version, seed: 1).envelope.value(at: "data.object"))
            let subscription = try #require(object["subscription"]?.stringValue, "\(version)")
            #expect(subscription.hasPrefix("sub_"))
            #expect(object["parent"] == nil)
            #expect(object.value(at: "subscription_details.metadata.foo") == .string("bar"))
            #expect(object["paid"] == .bool(type != .invoicePaymentFailed))
            #expect(object["payment_intent"]?.stringValue?.hasPrefix("pi_") == true)
            let line = try #require(object.value(at: "lines.data.0"))
            #expect(line["subscription"] == .string(subscription) && line["type"] == .string("subscription"))
            #expect(line["subscription_item"]?.stringValue?.hasPrefix("si_") == true)
            #expect(line["parent"] == nil && line["pricing"] == nil)
            #expect(line.value(at: "price.unit_amount") == .int(1500))
        }
        for version in [StripeAPIVersion.basil, StripeEvent.defaultAPIVersion] {
            let object = try #require(try StripeEvent(type: type, apiVersion: version, seed: 1).envelope.value(at: "data.object"))
            let subscription = try #require(object.value(at: "parent.subscription_details.subscription")?.stringValue)
            #expect(object["subscription"] == nil && object["paid"] == nil && object["payment_intent"] == nil)
            #expect(object.value(at: "lines.data.0.parent.subscription_item_details.subscription") == .string(subscription))
            #expect(object.value(at: "lines.data.0.subscription") == nil)
        }
    }

    @Test(
        "a subscription's period is its own before basil and its items' from basil on",
        arguments: [StripeEventType.customerSubscriptionCreated, .customerSubscriptionUpdated, .customerSubscriptionDeleted])
    func subscriptionPeriod(type: StripeEventType) throws {
        let old = try #require(try StripeEvent(type: type, apiVersion: Self.legacy).envelope.value(at: "data.object"))
        #expect(old["current_period_end"] == .int(1_769_040_000) && old["current_period_start"] == .int(1_766_361_600))
        #expect(old.value(at: "items.data.0.current_period_end") == nil)
        let new = try #require(try StripeEvent(type: type).envelope.value(at: "data.object"))
        #expect(new["current_period_end"] == nil && new.value(at: "items.data.0.current_period_end") == .int(1_769_040_000))
    }

    @Test("payment intents and charges carry invoice only before basil")
    func paymentInvoiceField() throws {
        for type in [StripeEventType.paymentIntentSucceeded, .paymentIntentCreated, .chargeSucceeded, .chargeRefunded] {
            #expect(try StripeEvent(type: type, apiVersion: Self.legacy).envelope.value(at: "data.object.invoice") == .null)
            #expect(try StripeEvent(type: type).envelope.value(at: "data.object.invoice") == nil)
        }
    }

    @Test(
        "ids agree within one event: lines name their invoice, items their subscription, in every type and version",
        arguments: StripeEventType.allCases)
    func identifiersAgree(type: StripeEventType) throws {
        for version in Self.versions {
            for seed in [nil, 3] as [UInt64?] {
                let event = try StripeEvent(type: type, apiVersion: version, seed: seed)
                let object = try #require(event.envelope.value(at: "data.object"))
                let id = try #require(object["id"]?.stringValue)
                #expect(id != StripeEvent(template: type).envelope.value(at: "data.object.id")?.stringValue, "fresh object id")
                for line in object.value(at: "lines.data").map(Self.items) ?? [] {
                    #expect(line["invoice"] == .string(id), "\(type) \(version)")
                    let subscription = version.hasBasilShapes ? object.value(at: "parent.subscription_details.subscription") : object["subscription"]
                    let lineSubscription =
                        version.hasBasilShapes ? line.value(at: "parent.subscription_item_details.subscription") : line["subscription"]
                    #expect(lineSubscription == subscription)
                }
                if object["lines"] != nil { #expect(object.value(at: "lines.url") == .string("/v1/invoices/\(id)/lines")) }
                for item in object.value(at: "items.data").map(Self.items) ?? [] {
                    #expect(item["subscription"] == .string(id), "\(type) \(version)")
                }
                if object["items"] != nil { #expect(object.value(at: "items.url") == .string("/v1/subscription_items?subscription=\(id)")) }
            }
        }
    }

    @Test("replacing an id outside a list replaces every reference to it; inside a list only that one")
    func renamedIdentifiers() throws {
        let invoice = try StripeEvent(
            type: .invoicePaymentSucceeded,
            overrides: [
                try JSONOverride(parsing: "id=in_Custom000001"),
                try JSONOverride(parsing: "parent.subscription_details.subscription=sub_Custom000001"),
            ]
        ).envelope
        #expect(invoice.value(at: "data.object.lines.data.0.invoice") == .string("in_Custom000001"))
        #expect(invoice.value(at: "data.object.lines.url") == .string("/v1/invoices/in_Custom000001/lines"))
        #expect(invoice.value(at: "data.object.lines.data.0.parent.subscription_item_details.subscription") == .string("sub_Custom000001"))

        let subscription = try StripeEvent(
            type: .customerSubscriptionUpdated,
            overrides: [
                try JSONOverride(parsing: "id=sub_Custom000002"),
                try JSONOverride(parsing: "items.data.0.price.id=price_Other00001"),
            ]
        ).envelope
        #expect(subscription.value(at: "data.object.items.data.0.subscription") == .string("sub_Custom000002"))
        #expect(subscription.value(at: "data.object.items.data.0.price.id") == .string("price_Other00001"))

        let intent = try StripeEvent(type: .paymentIntentSucceeded, overrides: [try JSONOverride(parsing: "id=pi_Custom000003")]).envelope
        #expect(intent.value(at: "data.object.client_secret")?.stringValue?.hasPrefix("pi_Custom000003_secret_") == true)
    }

    @Test("amount and currency land wherever the object carries the charged amount; other amounts stay")
    func amountAndCurrency() throws {
        let invoice = try #require(
            try StripeEvent(type: .invoicePaymentFailed, apiVersion: Self.legacy, amount: 4900, currency: "EUR")
                .envelope.value(at: "data.object"))
        for field in ["amount_due", "amount_remaining", "subtotal", "total"] { #expect(invoice[field] == .int(4900), "\(field)") }
        #expect(invoice["amount_paid"] == .int(0))
        #expect(invoice.value(at: "lines.data.0.amount") == .int(4900) && invoice.value(at: "lines.data.0.price.unit_amount") == .int(4900))
        #expect(invoice["currency"] == .string("eur") && invoice.value(at: "lines.data.0.currency") == .string("eur"))

        let intent = try #require(try StripeEvent(type: .paymentIntentSucceeded, amount: 4900, currency: "usd").envelope.value(at: "data.object"))
        #expect(intent["amount"] == .int(4900) && intent["amount_received"] == .int(4900) && intent["amount_capturable"] == .int(0))
        #expect(intent["currency"] == .string("usd"))
        let subscription = try StripeEvent(type: .customerSubscriptionCreated, amount: 4900).envelope
        #expect(subscription.value(at: "data.object.items.data.0.price.unit_amount") == .int(4900))
        let customer = try StripeEvent(type: .customerUpdated, seed: 1, amount: 4900)
        #expect(customer.envelope.value(at: "data.object") == (try StripeEvent(type: .customerUpdated, seed: 1)).envelope.value(at: "data.object"))
    }

    @Test("API versions read as Stripe writes them; anything else is refused")
    func versionParsing() throws {
        #expect(try StripeAPIVersion(parsing: "2025-03-31.basil") == .basil)
        #expect(try StripeAPIVersion(parsing: "2024-06-20").description == "2024-06-20")
        #expect(try StripeAPIVersion(parsing: "2025-09-30.clover").hasBasilShapes)
        #expect(try !StripeAPIVersion(parsing: "2025-02-24.acacia").hasBasilShapes)
        for bad in ["", "basil", "2025-3-31", "2025-13-01", "2025-03-31.", "2025-03-31.Basil", "2025-03-31 basil"] {
            #expect(throws: StripeAPIVersionError.self, "\(bad)") { try StripeAPIVersion(parsing: bad) }
        }
    }

    static func items(_ list: JSONValue) -> [JSONValue] {
        if case .array(let items) = list { return items }
        return []
    }
}
