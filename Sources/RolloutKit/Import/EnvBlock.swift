import Foundation

/// A code block of `KEY=VALUE` lines: the settings a runbook tells its reader to put in `.env`.
struct EnvBlock {
    struct Entry {
        var key: String
        var value: String
        var line: RunbookDocument.Line
    }

    var entries: [Entry]
    /// The block's comment lines (`# .env.staging`), which say which environment it is for.
    var comments: [String]

    /// The block, when most of its lines are `KEY=VALUE` (optionally after `export`).
    init?(_ block: RunbookDocument.CodeBlock) {
        var entries: [Entry] = []
        var comments: [String] = []
        var other = 0
        for line in block.lines {
            let trimmed = line.text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("#") {
                comments.append(trimmed)
                continue
            }
            if let entry = Self.entry(trimmed, line: line) { entries.append(entry) } else { other += 1 }
        }
        guard !entries.isEmpty, entries.count >= other * 2 else { return nil }
        self.entries = entries
        self.comments = comments
    }

    /// `KEY=VALUE` of one line, the value without quotes, trailing comment or check mark.
    static func entry(_ text: String, line: RunbookDocument.Line) -> Entry? {
        var body = Substring(text)
        if body.hasPrefix("export ") { body = body.dropFirst(7) }
        guard let equals = body.firstIndex(of: "="), let first = body.first, first.isLetter || first == "_" else { return nil }
        let key = String(body[..<equals])
        guard key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        var value = ShellTokenizer.droppingComment(String(body[body.index(after: equals)...])).code
        value = value.replacingOccurrences(of: "✅", with: "").replacingOccurrences(of: "✓", with: "").trimmingCharacters(in: .whitespaces)
        return Entry(key: key, value: SecretShape.unquoted(value), line: line)
    }
}
