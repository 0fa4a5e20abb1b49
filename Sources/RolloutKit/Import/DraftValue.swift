import Foundation

/// A value of a generated playbook, inventory or check suite, before it is written as YAML.
public indirect enum DraftValue: Sendable, Equatable {
    /// Text written as is; `{{ }}` in it is a reference (runbook text goes through `literal`).
    case text(String)
    case int(Int)
    case bool(Bool)
    case list([DraftValue])
    case map([DraftEntry])

    /// Runbook text that must reach the host unchanged: a `{{` in it is escaped so that rollout
    /// does not read it as a reference.
    public static func literal(_ text: String) -> DraftValue {
        .text(text.replacingOccurrences(of: "{{", with: "\\{{"))
    }

    /// A directory on the host: runbook text, except a leading `{{ app_dir }}` the import put
    /// there for a runbook that only uses relative paths.
    public static func path(_ text: String) -> DraftValue {
        let variable = "{{ app_dir }}"
        guard text.hasPrefix(variable) else { return literal(text) }
        return .text(variable + (literal(String(text.dropFirst(variable.count))).text ?? ""))
    }

    /// The text of a `.text` value.
    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// The value at `key` of a `.map`.
    public subscript(key: String) -> DraftValue? {
        if case .map(let entries) = self { return entries.first { $0.key == key }?.value }
        return nil
    }
}

/// One `key: value` of a mapping, in order.
public struct DraftEntry: Sendable, Equatable {
    public var key: String
    public var value: DraftValue

    public init(_ key: String, _ value: DraftValue) {
        self.key = key
        self.value = value
    }
}
