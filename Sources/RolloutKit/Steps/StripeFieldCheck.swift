import BillingCore

/// Load-time check of a Stripe callback's `fields:` against the event it will send. A path whose
/// first key the object does not have is added as a new field, which is rarely what was meant:
/// most often a typo (`ammount`), a field another API version has (`subscription` on a basil
/// invoice), or a key of the envelope written without `$.` (`api_version`).
enum StripeFieldCheck {
    /// Warns at each `fields` key of `options` that the event's object does not have.
    /// `apiVersion` is the version the step will send when known at load time (a literal);
    /// otherwise a field of any modelled shape passes.
    static func check(_ options: OptionReader, type: StripeEventType, apiVersion: Template?) {
        guard let entries = options.node("fields")?.entries else { return }
        let known = apiVersion.flatMap { $0.isLiteral ? try? StripeAPIVersion(parsing: $0.source) : nil }
        let versions = known.map { [$0] } ?? [StripeAPIVersion.basil, (try? StripeAPIVersion(parsing: "2024-06-20")) ?? .basil]
        var objectKeys: Set<String> = []
        var envelopeKeys: Set<String> = []
        var kind = "object"
        for version in versions {
            guard let event = try? StripeEvent(type: type, apiVersion: version, seed: 0) else { continue }
            envelopeKeys.formUnion(Self.keys(of: event.envelope))
            objectKeys.formUnion(Self.keys(of: event.envelope.value(at: "data.object")))
            kind = event.envelope.value(at: "data.object.object")?.stringValue ?? kind
        }
        for entry in entries {
            guard let path = entry.key.scalar, !path.hasPrefix("$."), !path.hasPrefix("data.object") else { continue }
            let root = String(path.split(separator: ".").first ?? "")
            guard !root.isEmpty, !objectKeys.contains(root) else { continue }
            let version = known.map { " in API version \($0)" } ?? ""
            if envelopeKeys.contains(root) {
                options.sink.warning(
                    "'fields.\(path)' would add '\(root)' to the \(kind); to set the event's own, write '$.\(path)'",
                    at: entry.key.location)
            } else {
                options.sink.warning(
                    "the \(kind) of \(type)\(version) has no '\(root)'; 'fields.\(path)' adds it as a new field",
                    at: entry.key.location, suggestion: NameSuggestion.closest(to: root, in: objectKeys))
            }
        }
    }

    private static func keys(of value: JSONValue?) -> [String] {
        guard case .object(let members)? = value else { return [] }
        return members.map(\.key)
    }
}
