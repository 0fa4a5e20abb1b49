/// One key a playbook, inventory or check suite mapping may have: its name, the shape of its
/// value, whether it is required, and what it means. The loaders take their allowed keys from
/// these tables (unknown-key errors, "did you mean") and `FileSchema` turns the same tables into
/// the JSON Schemas editors read, so the two cannot drift. Adding an option is one line.
public struct OptionSpec: Sendable {
    /// The shape of an option's value.
    public indirect enum ValueType: Sendable {
        /// A scalar that may use `{{ }}` references.
        case text
        /// A whole number, written as is.
        case number
        /// A whole number, or a `{{ }}` reference to one (checked when rendered).
        case numberOrReference
        /// `true` or `false`.
        case flag
        /// `500ms`, `30s`, `5m`, `1h`, `1m30s`.
        case duration
        /// A text, or a list of texts.
        case texts
        /// A number, or a list of numbers.
        case numbers
        /// One of these words.
        case choice([String])
        /// Names to texts (`env:`, `values:`, `headers:`).
        case textMap
        /// Any YAML value (`vars:`, a `json:` body).
        case anything
        /// A mapping with these keys, and no others.
        case mapping([OptionSpec])
        /// A list of values of one type.
        case list(ValueType)
        /// Names of the user's choosing, each to a value of one type (`hosts:`, `secrets:`).
        case namedMap(ValueType)
        /// Any of these shapes.
        case either([ValueType])
        /// A list of playbook steps (each one kind of `StepRegistry` and the common fields).
        case steps
    }

    public var name: String
    public var type: ValueType
    public var required: Bool
    /// What the option means, in the words of the reference (docs/).
    public var summary: String

    public init(_ name: String, _ type: ValueType, required: Bool = false, _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

extension Array where Element == OptionSpec {
    /// The keys, in table order.
    public var names: [String] { map(\.name) }

    /// The same options with `names` required.
    public func requiring(_ names: String...) -> [OptionSpec] {
        map { option in
            var option = option
            if names.contains(option.name) { option.required = true }
            return option
        }
    }
}
