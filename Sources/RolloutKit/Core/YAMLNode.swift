/// A YAML value that remembers where it was written, so every later problem can point at it.
///
/// Built from Yams' `Node` (which carries libyaml's marks); mappings keep their keys in order. A
/// key given twice was reported when the file was parsed and only its first value is here.
public struct YAMLNode: Sendable, Hashable {
    /// The shape and contents of a node.
    public enum Value: Sendable, Hashable {
        /// A scalar's text as written, and whether it was quoted (a quoted `"30"` stays a string).
        case scalar(String, quoted: Bool)
        case mapping([Entry])
        case sequence([YAMLNode])
    }

    /// One `key: value` pair of a mapping.
    public struct Entry: Sendable, Hashable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    public var value: Value
    /// Where the node starts.
    public var location: FileLocation

    public init(_ value: Value, at location: FileLocation) {
        self.value = value
        self.location = location
    }

    /// The text of a scalar, nil for mappings and sequences.
    public var scalar: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// True for an unquoted `~`, `null` or empty scalar.
    public var isNull: Bool {
        if case .scalar(let text, false) = value { return ["", "~", "null", "Null", "NULL"].contains(text) }
        return false
    }

    /// The entries of a mapping, nil for other nodes.
    public var entries: [Entry]? {
        if case .mapping(let entries) = value { return entries }
        return nil
    }

    /// The items of a sequence, nil for other nodes.
    public var items: [YAMLNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    /// The value of the first entry whose key is `key`.
    public subscript(key: String) -> YAMLNode? {
        entries?.first { $0.key.scalar == key }?.value
    }

    /// "a mapping", "a list", "the text 'abc'", for "expected …, found …" messages.
    var kindDescription: String {
        switch value {
        case .scalar(let text, _):
            if isNull { return "nothing" }
            let short = text.count > 40 ? String(text.prefix(37)) + "…" : text
            return "'\(short)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// A canonical, formatting-free rendering (no comments, no layout), for content hashes.
    var canonical: String {
        switch value {
        case .scalar(let text, let quoted):
            return (quoted ? "s" : "p") + String(text.utf8.count) + ":" + text
        case .mapping(let entries):
            return "{" + entries.map { $0.key.canonical + "=" + $0.value.canonical }.joined(separator: ",") + "}"
        case .sequence(let items):
            return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        }
    }
}
