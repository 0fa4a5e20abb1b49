/// A YAML value whose scalars are templates: playbook and inventory `vars`, and step options as
/// written (what `rollout plan` shows).
public indirect enum TemplateValue: Sendable, Hashable {
    /// Any scalar; numbers and booleans render as written.
    case text(Template)
    case list([TemplateValue])
    case map([TemplateEntry])
    case null

    /// Every template inside, depth first.
    public var templates: [Template] {
        switch self {
        case .text(let template): [template]
        case .list(let items): items.flatMap(\.templates)
        case .map(let entries): entries.flatMap(\.value.templates)
        case .null: []
        }
    }

    /// The value at `key` of a map.
    public subscript(key: String) -> TemplateValue? {
        if case .map(let entries) = self { return entries.first { $0.key == key }?.value }
        return nil
    }
}

/// One `key: value` of a `TemplateValue.map`, kept in written order.
public struct TemplateEntry: Sendable, Hashable {
    public var key: String
    public var value: TemplateValue

    public init(key: String, value: TemplateValue) {
        self.key = key
        self.value = value
    }
}
