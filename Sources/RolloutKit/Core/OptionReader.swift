import Foundation

/// Reads the keys of one YAML mapping as typed values, reporting every problem (wrong type,
/// missing required key, unknown key with a "did you mean") into the load's diagnostics instead
/// of stopping at the first. A key given twice never gets here: `YAMLDocument` reports it.
///
/// Each getter marks its key as read; `finish()` then reports the keys nobody asked for.
public final class OptionReader {
    /// How messages name this mapping: "step 'Back up'", "host 'app1'".
    public let context: String
    /// Where the mapping starts.
    public let location: FileLocation
    public let sink: DiagnosticSink
    private var entries: [YAMLNode.Entry]
    private var allowed: [String]
    private var read: Set<String> = []
    private var missing: [String] = []
    /// False when the node was not a mapping: that was reported, and nothing more is.
    private var isMapping = true
    private var children: [OptionReader] = []

    /// A reader over `node`, which must be a mapping (otherwise the problem is reported and
    /// the reader has no keys). `allowed` are the keys this mapping may have.
    public init(_ node: YAMLNode, context: String, allowed: [String], sink: DiagnosticSink) {
        self.context = context
        self.location = node.location
        self.sink = sink
        self.allowed = allowed
        var kept: [YAMLNode.Entry] = []
        if let nodeEntries = node.entries {
            for entry in nodeEntries {
                guard entry.key.scalar != nil else {
                    sink.error("a key in \(context) must be a name, not \(entry.key.kindDescription)", at: entry.key.location)
                    continue
                }
                kept.append(entry)
            }
        } else if !node.isNull {
            sink.error("\(context) must be a mapping of 'key: value', found \(node.kindDescription)", at: node.location)
            isMapping = false
        }
        entries = kept
    }

    /// A reader over already-collected entries (a step's options gathered from two places).
    init(entries: [YAMLNode.Entry], context: String, location: FileLocation, allowed: [String], sink: DiagnosticSink) {
        self.context = context
        self.location = location
        self.sink = sink
        self.allowed = allowed
        self.entries = entries
    }

    /// Keys present, in written order.
    public var keys: [String] { entries.compactMap(\.key.scalar) }

    /// True when `key` is present.
    public func has(_ key: String) -> Bool { entries.contains { $0.key.scalar == key } }

    /// The node at `key`, marking it read. A missing required key is reported by `finish()`
    /// (unless an unknown key there is a misspelling of it: one message for one mistake).
    public func node(_ key: String, required: Bool = false) -> YAMLNode? {
        read.insert(key)
        if !allowed.contains(key) { allowed.append(key) }
        guard let entry = entries.first(where: { $0.key.scalar == key }) else {
            if required, !missing.contains(key) { missing.append(key) }
            return nil
        }
        return entry.value
    }

    /// Where `key` is written, for messages about its value as a whole.
    public func keyLocation(_ key: String) -> FileLocation {
        entries.first { $0.key.scalar == key }?.key.location ?? location
    }

    // MARK: Typed getters

    /// A scalar as text. Mappings and lists are reported.
    public func string(_ key: String, required: Bool = false) -> String? {
        guard let node = node(key, required: required) else { return nil }
        return scalarText(node, key: key)
    }

    /// A scalar parsed as a template (`{{ }}` references located in the file).
    public func template(_ key: String, required: Bool = false) -> Template? {
        guard let node = node(key, required: required) else { return nil }
        return templateValue(node, key: key)
    }

    /// A whole number, optionally within `range`.
    public func int(_ key: String, required: Bool = false, in range: ClosedRange<Int>? = nil) -> Int? {
        guard let node = node(key, required: required) else { return nil }
        return intValue(node, key: key, in: range)
    }

    /// `true` or `false`.
    public func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let node = node(key, required: required) else { return nil }
        return boolValue(node, key: key)
    }

    /// A duration like `500ms`, `30s`, `5m`, `1h`. `positive`: zero is an error too (a timeout
    /// of 0s fails every time).
    public func duration(_ key: String, required: Bool = false, positive: Bool = false) -> Duration? {
        guard let node = node(key, required: required) else { return nil }
        guard let text = scalarText(node, key: key) else { return nil }
        if let duration = DurationText.parse(text) {
            guard !positive || duration > .zero else {
                sink.error("'\(key)' must be longer than 0s, found '\(text)': nothing can finish in no time at all", at: node.location)
                return nil
            }
            return duration
        }
        let hint = Int(text) != nil ? " (add a unit: \(text)s)" : ""
        sink.error("'\(key)' must be a duration like 500ms, 30s, 5m or 1h, found '\(text)'\(hint)", at: node.location)
        return nil
    }

    /// A list of names; a single scalar counts as a list of one.
    public func strings(_ key: String, required: Bool = false) -> [String]? {
        guard let node = node(key, required: required) else { return nil }
        if node.scalar != nil, !node.isNull { return scalarText(node, key: key).map { [$0] } }
        guard let items = node.items else {
            sink.error("'\(key)' must be a name or a list of names, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return items.compactMap { scalarText($0, key: key) }
    }

    /// A list of templates; a single scalar counts as a list of one.
    public func templates(_ key: String, required: Bool = false) -> [Template]? {
        guard let node = node(key, required: required) else { return nil }
        if node.scalar != nil, !node.isNull { return templateValue(node, key: key).map { [$0] } }
        guard let items = node.items else {
            sink.error("'\(key)' must be text or a list, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return items.compactMap { templateValue($0, key: key) }
    }

    /// A list of whole numbers; a single number counts as a list of one.
    public func ints(_ key: String, required: Bool = false, in range: ClosedRange<Int>? = nil) -> [Int]? {
        guard let node = node(key, required: required) else { return nil }
        if node.scalar != nil { return intValue(node, key: key, in: range).map { [$0] } }
        guard let items = node.items else {
            sink.error("'\(key)' must be a number or a list of numbers, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return items.compactMap { intValue($0, key: key, in: range) }
    }

    /// A mapping of names to templates, in written order (`env:`, `values:`, `headers:`).
    public func templateMap(_ key: String, required: Bool = false) -> [TemplateEntry]? {
        guard let node = node(key, required: required) else { return nil }
        guard let nodeEntries = node.entries else {
            sink.error("'\(key)' must be a mapping of 'NAME: value', found \(node.kindDescription)", at: node.location)
            return nil
        }
        var result: [TemplateEntry] = []
        for entry in nodeEntries {
            guard let name = scalarText(entry.key, key: key) else { continue }
            guard let template = templateValue(entry.value, key: "\(key).\(name)") else { continue }
            result.append(TemplateEntry(key: name, value: .text(template)))
        }
        return result
    }

    /// Any value with templates for scalars (`json:` bodies, `vars:`).
    public func value(_ key: String, required: Bool = false) -> TemplateValue? {
        guard let node = node(key, required: required) else { return nil }
        return templateTree(node)
    }

    /// A nested mapping, read by its own reader (finished along with this one).
    public func mapping(_ key: String, context: String? = nil, allowed: [String], required: Bool = false) -> OptionReader? {
        guard let node = node(key, required: required) else { return nil }
        guard node.entries != nil else {
            sink.error("'\(key)' must be a mapping, found \(node.kindDescription)", at: node.location)
            return nil
        }
        let child = OptionReader(node, context: context ?? "'\(key)'", allowed: allowed, sink: sink)
        children.append(child)
        return child
    }

    /// One of `choices`, with a suggestion when misspelt.
    public func choice(_ key: String, _ choices: [String], required: Bool = false) -> String? {
        guard let node = node(key, required: required), let text = scalarText(node, key: key) else { return nil }
        guard choices.contains(text) else {
            sink.error(
                "'\(key)' must be one of \(choices.joined(separator: ", ")), found '\(text)'", at: node.location,
                suggestion: NameSuggestion.closest(to: text, in: choices))
            return nil
        }
        return text
    }

    /// Reports when not exactly one of `keys` is present; returns the one present.
    @discardableResult
    public func exactlyOne(of keys: [String]) -> String? {
        let present = keys.filter(has)
        if present.count == 1 { return present[0] }
        guard isMapping else { return nil }
        let list = keys.map { "'\($0)'" }.joined(separator: ", ")
        if present.isEmpty {
            sink.error("\(context) needs one of \(list)", at: location)
        } else {
            sink.error(
                "\(context) takes only one of \(list), but has \(present.map { "'\($0)'" }.joined(separator: " and "))",
                at: keyLocation(present[1]))
        }
        return nil
    }

    /// Reports at most one of `keys` present.
    public func atMostOne(of keys: [String]) {
        let present = keys.filter(has)
        if present.count > 1 {
            sink.error("\(context) takes only one of \(present.map { "'\($0)'" }.joined(separator: " and "))", at: keyLocation(present[1]))
        }
    }

    /// Reports an error at `key` (or at the mapping when the key is absent).
    public func error(_ message: String, at key: String? = nil) {
        sink.error(message, at: key.map(keyLocation) ?? location)
    }

    /// Reports a warning at `key` (or at the mapping).
    public func warning(_ message: String, at key: String? = nil) {
        sink.warning(message, at: key.map(keyLocation) ?? location)
    }

    /// Reports every key that no getter asked for, with the closest allowed key; then finishes
    /// the nested readers.
    public func finish(extraCandidates: [String] = []) {
        var suggested = Set<String>()
        for entry in entries {
            guard let key = entry.key.scalar, !read.contains(key), !allowed.contains(key) else { continue }
            let suggestion = NameSuggestion.closest(to: key, in: allowed + extraCandidates)
            if let suggestion { suggested.insert(suggestion) }
            sink.error("unknown key '\(key)' in \(context)", at: entry.key.location, suggestion: suggestion)
        }
        for key in missing where isMapping && !suggested.contains(key) {
            sink.error("\(context) needs '\(key)'", at: location)
        }
        missing = []
        for child in children { child.finish() }
        children = []
    }

    // MARK: Node conversions

    /// A scalar's text, or nil after reporting a mapping or list.
    public func scalarText(_ node: YAMLNode, key: String) -> String? {
        guard let text = node.scalar else {
            sink.error("'\(key)' must be a single value, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return text
    }

    /// A scalar parsed as a template.
    public func templateValue(_ node: YAMLNode, key: String) -> Template? {
        guard let text = scalarText(node, key: key) else { return nil }
        return parseTemplate(text, node: node)
    }

    func parseTemplate(_ text: String, node: YAMLNode) -> Template? {
        do {
            return try Template(parsing: text, at: node.location, source: sink.fileText(node.location.file))
        } catch {
            sink.error(error.message, at: error.location ?? node.location)
            return nil
        }
    }

    /// The node as a `TemplateValue`, every scalar a template.
    public func templateTree(_ node: YAMLNode) -> TemplateValue {
        switch node.value {
        case .scalar(let text, _):
            if node.isNull { return .null }
            return parseTemplate(text, node: node).map(TemplateValue.text) ?? .null
        case .sequence(let items):
            return .list(items.map(templateTree))
        case .mapping(let nodeEntries):
            return .map(nodeEntries.map { TemplateEntry(key: $0.key.scalar ?? "", value: templateTree($0.value)) })
        }
    }

    func intValue(_ node: YAMLNode, key: String, in range: ClosedRange<Int>?) -> Int? {
        guard let text = scalarText(node, key: key) else { return nil }
        guard let number = Int(text) else {
            sink.error("'\(key)' must be a whole number, found '\(text)'", at: node.location)
            return nil
        }
        if let range, !range.contains(number) {
            sink.error("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(number)", at: node.location)
            return nil
        }
        return number
    }

    func boolValue(_ node: YAMLNode, key: String) -> Bool? {
        guard let text = scalarText(node, key: key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            sink.error("'\(key)' must be true or false, found '\(text)'", at: node.location)
            return nil
        }
    }
}
