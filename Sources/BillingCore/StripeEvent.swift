/// A Stripe webhook event built from one of the embedded templates, ready to be serialised and
/// signed.
public struct StripeEvent: Sendable, Equatable {
    /// The default `api_version`: the newest one whose shapes Rollout models.
    public static let defaultAPIVersion = StripeAPIVersion.newest

    /// The event's `type`.
    public let type: StripeEventType
    /// The whole envelope: `id`, `object`, `api_version`, `created`, `data`, `livemode`, …
    public internal(set) var envelope: JSONValue

    /// The template for `type`, unchanged (newest shape, the fixtures' `evt_1SmkTest…` ids).
    public init(template type: StripeEventType) {
        self.type = type
        do {
            envelope = try JSONValue(parsing: type.templateJSON)
        } catch {
            preconditionFailure("embedded template \(type) is not JSON: \(error)")
        }
    }

    /// An event of `type` as an endpoint pinned to `apiVersion` receives it.
    ///
    /// In order: fresh ids; `amount` and `currency` wherever the object carries them; the
    /// object's fields moved to where `apiVersion` has them; `api_version` and `created`; then
    /// `overrides`, whose paths are field paths (`StripeFieldPath`: relative to `data.object`,
    /// `$.` for the envelope).
    ///
    /// Ids: the event's `evt_…`, its object's (`pi_…`, `sub_…`, `in_…`, …) and those of the items
    /// or lines it owns (`si_…`, `il_…`) are new, derived from `seed` and the event type when a
    /// seed is given (the same seed and type give the same ids; another type gives others) or
    /// random otherwise, so a resend is a new event unless asked. Every reference to a renewed
    /// id follows it: a subscription's items name that subscription, an invoice's lines that
    /// invoice. An override that replaces an id outside a list (`id`, `customer`,
    /// `parent.subscription_details.subscription`) replaces it everywhere in the event too.
    public init(
        type: StripeEventType,
        apiVersion: StripeAPIVersion = StripeEvent.defaultAPIVersion,
        created: Int64? = nil,
        seed: UInt64? = nil,
        amount: Int64? = nil,
        currency: String? = nil,
        overrides: [JSONOverride] = []
    ) throws(JSONPathError) {
        self.init(template: type)
        var generator: any RandomNumberGenerator = seed.map { SeededGenerator(seed: $0 ^ Self.salt(of: type)) } ?? SystemRandomNumberGenerator()
        renewIdentifiers(using: &generator)
        if let amount { setAmount(amount) }
        if let currency { setCurrency(currency) }
        reshape(for: apiVersion, using: &generator)
        try set(.string(apiVersion.description), at: "api_version")
        if let created { try set(.int(created), at: "created") }
        for override in overrides { try apply(override) }
    }

    /// Replaces (or adds) the value at a dotted path from the envelope.
    public mutating func set(_ value: JSONValue, at path: String) throws(JSONPathError) {
        envelope = try envelope.setting(value, at: path)
    }

    /// `evt_…`.
    public var id: String? { envelope["id"]?.stringValue }

    /// The body to send and sign: compact JSON, keys in template order, UTF-8 unescaped.
    public func body(_ layout: JSONValue.Layout = .compact) -> [UInt8] { envelope.serialized(layout) }

    /// The event's object (`data.object`).
    var object: JSONValue { envelope.value(at: "data.object") ?? .null }

    /// Replaces the event's object.
    mutating func setObject(_ object: JSONValue) {
        // `data.object` exists in every template, so this cannot fail.
        try? set(object, at: "data.object")
    }

    /// Sets one field path; an id replaced outside a list is renamed everywhere.
    private mutating func apply(_ override: JSONOverride) throws(JSONPathError) {
        guard override.path != "$" else {
            throw JSONPathError(path: override.path, reason: "`$` alone is the whole event; name a field under it, e.g. `$.livemode`")
        }
        let path = StripeFieldPath.envelopePath(of: override.path)
        let insideList = path.split(separator: ".").contains { Int($0) != nil }
        if !insideList, let old = envelope.value(at: path)?.stringValue, Self.isIdentifier(old),
            let new = override.value.stringValue, new != old
        {
            rename(old, to: new)
        }
        try set(override.value, at: path)
    }

    /// A seed per event type, so that one `--seed` gives each type its own ids (FNV-1a of the
    /// type's name: stable across runs and platforms, unlike `Hasher`).
    static func salt(of type: StripeEventType) -> UInt64 {
        type.rawValue.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }
}
