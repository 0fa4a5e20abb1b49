import Foundation

/// Where a generated line came from: the runbook's line number and its text, masked.
public struct RunbookSource: Sendable, Equatable {
    public var line: Int
    /// The runbook's text with secret-looking values replaced by `***` (see `SecretShape`).
    public var quote: String

    public init(line: Int, text: String) {
        self.line = line
        // One line: it is written as a comment.
        let oneLine = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        self.quote = SecretShape.masked(oneLine)
    }
}
