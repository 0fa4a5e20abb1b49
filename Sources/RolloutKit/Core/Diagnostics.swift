import Foundation

/// Collects every problem found while loading, so all of them are reported in one run instead
/// of one per attempt.
public struct Diagnostics: Sendable {
    /// Problems in the order they were found (sorted by file and position when rendered).
    public private(set) var all: [Diagnostic] = []
    /// Text of each file read, for showing the offending line.
    public private(set) var sources: [String: String] = [:]

    public init() {}

    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }

    /// Records an error at `location`.
    public mutating func error(_ message: String, at location: FileLocation, suggestion: String? = nil) {
        append(Diagnostic(.error, message, at: location, suggestion: suggestion))
    }

    /// Records a warning at `location`.
    public mutating func warning(_ message: String, at location: FileLocation, suggestion: String? = nil) {
        append(Diagnostic(.warning, message, at: location, suggestion: suggestion))
    }

    /// Records `diagnostic` unless the same one is already there (a template checked once per
    /// host would otherwise repeat its problem for every host).
    public mutating func append(_ diagnostic: Diagnostic) {
        if !all.contains(diagnostic) { all.append(diagnostic) }
    }

    /// Adds the problems and sources of `other`.
    public mutating func merge(_ other: Diagnostics) {
        for diagnostic in other.all { append(diagnostic) }
        sources.merge(other.sources) { current, _ in current }
    }

    /// Remembers the text of `file` for rendering its lines.
    public mutating func addSource(_ text: String, for file: String) {
        sources[file] = text
    }

    /// Problems sorted by file, line and column.
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { lhs, rhs in
            let (a, b) = (lhs.element, rhs.element)
            if a.file != b.file { return lhs.offset < rhs.offset }
            if a.line != b.line { return a.line < b.line }
            if a.column != b.column { return a.column < b.column }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// Every problem with its source line and caret, then a count, as `rollout lint` prints it.
    public func rendered() -> String {
        var blocks = sorted.map { $0.rendered(sourceLine: sourceLine(file: $0.file, line: $0.line)) }
        let errorCount = errors.count
        let warningCount = warnings.count
        if errorCount + warningCount > 0 {
            blocks.append("\(Self.count(errorCount, "error")), \(Self.count(warningCount, "warning"))")
        }
        return blocks.joined(separator: "\n")
    }

    /// The problems as a JSON array, for editors and CI.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(sorted)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    func sourceLine(file: String, line: Int) -> String? {
        guard let text = sources[file], line >= 1 else { return nil }
        var current = 1
        for piece in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == line { return String(piece.hasSuffix("\r") ? piece.dropLast() : piece) }
            current += 1
        }
        return nil
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
    }
}
