import Foundation

/// A runbook table of endpoints (a path column, a method, an expected status) read as checks.
enum EndpointTable {
    /// One check per row, or nil when the table is not an endpoint table.
    static func checks(_ table: RunbookDocument.Table) -> [(method: String, path: String, status: Int, line: Int)]? {
        let header = table.header.map { $0.lowercased() }
        guard let pathColumn = header.firstIndex(where: { ["endpoint", "path", "url", "route"].contains(where: $0.contains) }) else { return nil }
        let methodColumn = header.firstIndex { $0.contains("method") || $0.contains("verb") }
        let statusColumns = header.indices.filter { index in
            index != pathColumn && index != methodColumn
                && ["status", "response", "expect", "code", "result"].contains(where: header[index].contains)
        }
        var checks: [(method: String, path: String, status: Int, line: Int)] = []
        for row in table.rows {
            guard pathColumn < row.cells.count else { continue }
            var pathCell = row.cells[pathColumn].replacingOccurrences(of: "`", with: "").trimmingCharacters(in: .whitespaces)
            var method = methodColumn.flatMap { $0 < row.cells.count ? row.cells[$0].replacingOccurrences(of: "`", with: "").uppercased() : nil }
            let words = pathCell.split(separator: " ")
            if words.count == 2, methods.contains(String(words[0]).uppercased()) {
                method = String(words[0]).uppercased()
                pathCell = String(words[1])
            }
            guard pathCell.hasPrefix("/") || pathCell.hasPrefix("http") else { continue }
            let status = (statusColumns + row.cells.indices.filter { !statusColumns.contains($0) && $0 != pathColumn })
                .lazy.compactMap { $0 < row.cells.count ? statusCode(in: row.cells[$0]) : nil }.first
            checks.append((methods.contains(method ?? "") ? method! : "GET", pathCell, status ?? 200, row.line))
        }
        return checks.isEmpty ? nil : checks
    }

    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// The first HTTP status (100–599) written in `text` as a number of its own.
    static func statusCode(in text: String) -> Int? {
        guard let regex = try? NSRegularExpression(pattern: #"(?<![0-9.])([1-5][0-9]{2})(?![0-9.])"#),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return Int(text[range])
    }
}
