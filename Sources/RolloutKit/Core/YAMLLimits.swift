internal import CYaml

/// The bounds a YAML file must stay within before it is composed into nodes, so that a file
/// written to hurt the loader (CI lints playbooks from pull requests) is refused with a
/// positioned diagnostic instead of taking gigabytes of memory or the stack.
///
/// - An alias copies the node it names: ten levels of ten aliases to the level below expand to
///   ten billion nodes from a few hundred bytes. The nodes aliases bring in are counted (an
///   alias to a collection brings in every node below it) against `maxAliasNodes`.
/// - Composing recurses once per level of nesting, so `maxDepth` bounds it.
/// - `maxBytes` bounds what the two above leave: the plain size of the file.
struct YAMLLimits: Sendable {
    /// Largest file read: far above any playbook, inventory or check suite.
    var maxBytes = 4 << 20
    /// Deepest nesting of mappings and sequences.
    var maxDepth = 64
    /// Most nodes all the aliases of one file may bring in, together.
    var maxAliasNodes = 100_000

    static let standard = YAMLLimits()

    /// A problem found, at 1-based line and column.
    struct Violation: Sendable, Hashable {
        var message: String
        var line: Int
        var column: Int
    }

    /// The first bound `text` breaks, or nil. Syntax errors are left to the composer, which
    /// reports them in its own words: the scan stops there.
    func check(_ text: String) -> Violation? {
        let size = text.utf8.count
        if size > maxBytes {
            return Violation(
                message: "the file is \(size) bytes; rollout reads YAML files of at most \(maxBytes) bytes",
                line: 1, column: 1)
        }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in scan(buffer) }
    }

    private func scan(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Violation? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)

        /// Nodes counted so far in each open collection (the collection itself included), and
        /// the anchor it will be known by.
        var open: [(nodes: Int, anchor: String?)] = []
        var anchored: [String: Int] = [:]
        var broughtIn = 0

        func anchor(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
        func add(_ nodes: Int) {
            if !open.isEmpty { open[open.count - 1].nodes += nodes }
        }

        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                add(1)
                if let name = anchor(event.data.scalar.anchor) { anchored[name] = 1 }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard open.count < maxDepth else {
                    return Violation(
                        message: "mappings and lists nest more than \(maxDepth) levels deep here; rollout reads at most \(maxDepth)",
                        line: line, column: column)
                }
                let name =
                    event.type == YAML_SEQUENCE_START_EVENT
                    ? anchor(event.data.sequence_start.anchor) : anchor(event.data.mapping_start.anchor)
                open.append((1, name))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return nil }
                if let name = closed.anchor { anchored[name] = closed.nodes }
                add(closed.nodes)
            case YAML_ALIAS_EVENT:
                let name = anchor(event.data.alias.anchor) ?? ""
                // An alias to an unknown anchor is the composer's error to report.
                let nodes = anchored[name] ?? 1
                broughtIn += nodes
                guard broughtIn <= maxAliasNodes else {
                    return Violation(
                        message: "the alias *\(name) brings in \(nodes) nodes, and the aliases up to here \(broughtIn); "
                            + "rollout expands aliases to at most \(maxAliasNodes) nodes in one file (is this an alias bomb?)",
                        line: line, column: column)
                }
                add(nodes)
            default:
                break
            }
        }
    }
}
