import BillingCore

/// A playbook's `callback_defaults:`: what its Stripe `callback` steps send unless the step says
/// otherwise, written once for the project.
///
/// ```yaml
/// callback_defaults:
///   stripe:
///     api_version: 2024-06-20        # a step's stripe.api_version wins
///     currency: usd
///     amount: 4900                   # minor units, wherever the event carries the amount
///     metadata: { booking_id: "{{ booking_id }}" }
///     fields: { description: Deploy check }   # field paths, before the step's own fields
/// ```
public struct CallbackDefaults: Sendable {
    public static let stripeOptions: [OptionSpec] = [
        OptionSpec("api_version", .text, "The Stripe API version the events are shaped for."),
        OptionSpec("currency", .text, "Three-letter currency code."),
        OptionSpec("amount", .text, "Amount in minor units (4900 for 49.00)."),
        OptionSpec("metadata", .textMap, "Set as metadata.<name> of the event's object."),
        OptionSpec("fields", .textMap, "Field paths relative to data.object ($. for the envelope), before the step's own."),
    ]
    public static let options: [OptionSpec] = [
        OptionSpec("stripe", .mapping(stripeOptions), "Defaults of every Stripe callback step.")
    ]
    static let keys = options.names
    static let stripeKeys = stripeOptions.names

    public var apiVersion: Template?
    public var currency: Template?
    public var amount: Template?
    /// `metadata:` entries, set as `metadata.<name>` of the event's object.
    public var metadata: [TemplateEntry]
    /// Field paths (relative to `data.object`, `$.` for the envelope), applied before the step's.
    public var fields: [TemplateEntry]

    /// Reads `callback_defaults` of `reader`, reporting unknown keys and literal values that can
    /// never work (a malformed api_version, an amount that is not a number) at their line.
    static func read(_ reader: OptionReader) -> CallbackDefaults? {
        guard let defaults = reader.mapping("callback_defaults", allowed: keys),
            let stripe = defaults.mapping("stripe", context: "'callback_defaults.stripe'", allowed: stripeKeys)
        else { return nil }
        let result = CallbackDefaults(
            apiVersion: stripe.template("api_version"), currency: stripe.template("currency"), amount: stripe.template("amount"),
            metadata: stripe.templateMap("metadata") ?? [], fields: stripe.templateMap("fields") ?? [])
        if let problem = result.apiVersion.flatMap({ Self.apiVersionProblem($0) }) { stripe.error(problem, at: "api_version") }
        if let amount = result.amount, amount.isLiteral, Self.amount(amount.source) == nil {
            stripe.error("'amount' must be a whole number of minor units (4900 for 49.00), found '\(amount.source)'", at: "amount")
        }
        if let currency = result.currency, currency.isLiteral, !StripeEvent.isCurrencyCode(currency.source) {
            stripe.error("'currency' must be a three-letter code such as usd or try, found '\(currency.source)'", at: "currency")
        }
        return result
    }

    /// Every template, for the load-time check of the names they use.
    public var templates: [Template] {
        [apiVersion, currency, amount].compactMap { $0 } + (metadata + fields).flatMap(\.value.templates)
    }

    /// Why a literal api_version cannot be used, or nil.
    static func apiVersionProblem(_ template: Template) -> String? {
        guard template.isLiteral else { return nil }
        do {
            _ = try StripeAPIVersion(parsing: template.source)
            return nil
        } catch {
            return "'api_version': \(error.description)"
        }
    }

    /// Minor units from text: a whole number, 0 or more.
    static func amount(_ text: String) -> Int64? {
        Int64(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
