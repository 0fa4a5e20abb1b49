import Foundation

/// A markdown runbook read into what an import needs: its title, and its fenced code blocks,
/// tables and prose lines in order, each with the line it starts at and the headings above it.
public struct RunbookDocument: Sendable {
    /// One line of the runbook, numbered from 1.
    public struct Line: Sendable, Equatable {
        public var number: Int
        public var text: String
    }

    /// A fenced code block: its info string ("bash", "sql", "" …) and its lines, without the
    /// indentation of the fence (code blocks inside list items are indented).
    public struct CodeBlock: Sendable {
        public var language: String
        public var fenceLine: Int
        public var lines: [Line]
    }

    /// A pipe table: the header cells and each row's cells, with the row's line.
    public struct Table: Sendable {
        public var header: [String]
        public var rows: [(cells: [String], line: Int)]
    }

    public enum Content: Sendable {
        case code(CodeBlock)
        case table(Table)
        case prose(Line)
    }

    /// A piece of content and the headings it sits under, outermost first.
    public struct Block: Sendable {
        public var content: Content
        public var headings: [String]
    }

    /// The first level-1 heading, if any.
    public let title: String?
    public let blocks: [Block]

    public init(text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
            Line(number: $0.offset + 1, text: String($0.element).replacingOccurrences(of: "\r", with: ""))
        }
        var title: String?
        var blocks: [Block] = []
        var headings: [(level: Int, text: String)] = []
        var index = 0
        func stack() -> [String] { headings.map(\.text) }
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.text.trimmingCharacters(in: .whitespaces)
            if let fence = Self.fence(trimmed) {
                let indent = line.text.prefix { $0 == " " }.count
                var body: [Line] = []
                index += 1
                while index < lines.count {
                    let inner = lines[index]
                    if inner.text.trimmingCharacters(in: .whitespaces).hasPrefix(fence.marker) { break }
                    body.append(Line(number: inner.number, text: Self.dropIndent(inner.text, upTo: indent)))
                    index += 1
                }
                blocks.append(Block(content: .code(CodeBlock(language: fence.language, fenceLine: line.number, lines: body)), headings: stack()))
                index += 1
                continue
            }
            if let heading = Self.heading(trimmed) {
                headings.removeAll { $0.level >= heading.level }
                headings.append(heading)
                if heading.level == 1, title == nil { title = heading.text }
                index += 1
                continue
            }
            if trimmed.hasPrefix("|"), index + 1 < lines.count, Self.isTableRule(lines[index + 1].text) {
                let header = Self.cells(trimmed)
                var rows: [(cells: [String], line: Int)] = []
                index += 2
                while index < lines.count, lines[index].text.trimmingCharacters(in: .whitespaces).hasPrefix("|") {
                    rows.append((Self.cells(lines[index].text.trimmingCharacters(in: .whitespaces)), lines[index].number))
                    index += 1
                }
                blocks.append(Block(content: .table(Table(header: header, rows: rows)), headings: stack()))
                continue
            }
            if !trimmed.isEmpty { blocks.append(Block(content: .prose(line), headings: stack())) }
            index += 1
        }
        self.title = title
        self.blocks = blocks
    }

    private static func fence(_ trimmed: String) -> (marker: String, language: String)? {
        for marker in ["```", "~~~"] where trimmed.hasPrefix(marker) {
            let info = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
            return (marker, String(info.split(separator: " ").first ?? "").lowercased())
        }
        return nil
    }

    private static func heading(_ trimmed: String) -> (level: Int, text: String)? {
        let level = trimmed.prefix { $0 == "#" }.count
        guard (1...6).contains(level), trimmed.dropFirst(level).first == " " else { return nil }
        return (level, trimmed.dropFirst(level).trimmingCharacters(in: .whitespaces))
    }

    private static func isTableRule(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.hasPrefix("|") && trimmed.contains("-") && trimmed.allSatisfy { "|-: ".contains($0) }
    }

    private static func cells(_ row: String) -> [String] {
        var body = Substring(row)
        if body.hasPrefix("|") { body = body.dropFirst() }
        if body.hasSuffix("|") { body = body.dropLast() }
        return body.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func dropIndent(_ text: String, upTo count: Int) -> String {
        let spaces = min(count, text.prefix { $0 == " " }.count)
        return String(text.dropFirst(spaces))
    }
}
