extension StripeEvent {
    /// Gives the event, its object and the items or lines the object owns new ids, and every
    /// reference to them (URLs and client secrets included) the new id too.
    mutating func renewIdentifiers(using generator: inout any RandomNumberGenerator) {
        try? set(.string("evt_" + AlphanumericIdentifier.make(length: 24, using: &generator)), at: "id")
        var owned: [String] = []
        if let id = object["id"]?.stringValue { owned.append(id) }
        for list in ["items", "lines"] {
            owned += object.value(at: "\(list).data")?.arrayItems.compactMap { $0["id"]?.stringValue } ?? []
        }
        for old in owned where Self.isIdentifier(old) {
            let prefix = old[...old.lastIndex(of: "_")!]
            rename(old, to: prefix + AlphanumericIdentifier.make(length: old.count - prefix.count, using: &generator))
        }
        linkOwnedItems()
    }

    /// Points an invoice's lines at that invoice and a subscription's items at that
    /// subscription, whatever the template said (billing/stripe_events' failed invoice has the
    /// paid invoice's lines, and its signature vector keeps those bytes).
    mutating func linkOwnedItems() {
        guard let id = object["id"]?.stringValue else { return }
        let links: [(list: String, field: String, url: String)] = [
            ("lines", "invoice", "/v1/invoices/\(id)/lines"), ("items", "subscription", "/v1/subscription_items?subscription=\(id)"),
        ]
        var object = self.object
        for link in links {
            guard var list = object[link.list], let items = list["data"]?.arrayItems else { continue }
            list.insertMember(
                "data",
                .array(
                    items.map { item in
                        var item = item
                        item.insertMember(link.field, .string(id))
                        return item
                    }))
            list.insertMember("url", .string(link.url))
            object.insertMember(link.list, list)
        }
        setObject(object)
    }

    /// Replaces `old` by `new` in every string of the envelope: whole ids, and ids inside
    /// `/v1/invoices/in_…/lines` or `pi_…_secret_…`.
    mutating func rename(_ old: String, to new: String) {
        envelope = envelope.mappingStrings { $0.contains(old) ? $0.replacing(old, with: new) : $0 }
    }

    /// `cus_SmkTest0000001`, `cs_test_a1B2…`: a lower-case prefix, `_`, then at least six
    /// letters and digits.
    static func isIdentifier(_ text: String) -> Bool {
        guard let underscore = text.lastIndex(of: "_"), underscore != text.startIndex else { return false }
        let prefix = text[..<underscore]
        let suffix = text[text.index(after: underscore)...]
        return prefix.allSatisfy { ($0.isASCII && $0.isLowercase) || $0 == "_" } && prefix.first != "_"
            && suffix.count >= 6 && suffix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
