/// A Stripe webhook event built from one of the embedded templates, ready to be serialised and
/// signed.
public struct StripeEvent: Sendable, Equatable {
    /// The API version the templates were written for, and the default.
    public static let defaultAPIVersion = "2026-10-28.endive"

    /// The event's `type`.
    public let type: StripeEventType
    /// The whole envelope: `id`, `object`, `api_version`, `created`, `data`, `livemode`, …
    public private(set) var envelope: JSONValue

    /// The template for `type`, unchanged (its ids are the fixtures' `evt_1SmkTest…` ones).
    public init(template type: StripeEventType) {
        self.type = type
        do {
            envelope = try JSONValue(parsing: type.templateJSON)
        } catch {
            preconditionFailure("embedded template \(type) is not JSON: \(error)")
        }
    }

    /// An event of `type` with fresh ids, the given `api_version` and `created`, then `overrides`
    /// applied in order.
    ///
    /// Ids: the event's `evt_…` and its object's id (`pi_…`, `ch_…`, `cs_…`, `sub_…`, `in_…`,
    /// `cus_…`) are replaced by new ones with the same prefix, derived from `seed` when given (the
    /// same seed gives the same ids) or random otherwise, so a resend is a new event unless asked.
    public init(
        type: StripeEventType,
        apiVersion: String = StripeEvent.defaultAPIVersion,
        created: Int64? = nil,
        seed: UInt64? = nil,
        overrides: [JSONOverride] = []
    ) throws(JSONPathError) {
        self.init(template: type)
        var generator: any RandomNumberGenerator = seed.map { SeededGenerator(seed: $0) } ?? SystemRandomNumberGenerator()
        let eventID = "evt_" + AlphanumericIdentifier.make(length: 24, using: &generator)
        try set(.string(eventID), at: "id")
        if let oldObjectID = envelope.value(at: "data.object.id")?.stringValue, let underscore = oldObjectID.firstIndex(of: "_") {
            let newObjectID = String(oldObjectID[...underscore]) + AlphanumericIdentifier.make(length: 24, using: &generator)
            try set(.string(newObjectID), at: "data.object.id")
            if let secret = envelope.value(at: "data.object.client_secret")?.stringValue, secret.hasPrefix(oldObjectID) {
                try set(.string(newObjectID + secret.dropFirst(oldObjectID.count)), at: "data.object.client_secret")
            }
        }
        try set(.string(apiVersion), at: "api_version")
        if let created { try set(.int(created), at: "created") }
        for override in overrides { try set(override.value, at: override.path) }
    }

    /// Replaces (or adds) the value at a dotted path.
    public mutating func set(_ value: JSONValue, at path: String) throws(JSONPathError) {
        envelope = try envelope.setting(value, at: path)
    }

    /// `evt_…`.
    public var id: String? { envelope["id"]?.stringValue }

    /// The body to send and sign: compact JSON, keys in template order, UTF-8 unescaped.
    public func body(_ layout: JSONValue.Layout = .compact) -> [UInt8] { envelope.serialized(layout) }
}
