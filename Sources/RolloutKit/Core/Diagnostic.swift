/// One problem found in a playbook, inventory or check suite, at the place that causes it.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How bad a problem is: errors stop a run before anything connects; warnings do not.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning
    }

    public var severity: Severity
    public var file: String
    public var line: Int
    public var column: Int
    /// What is wrong, in one line.
    public var message: String
    /// The name probably meant ("did you mean 'x'?"), when a close one exists.
    public var suggestion: String?

    public init(_ severity: Severity, _ message: String, at location: FileLocation, suggestion: String? = nil) {
        self.severity = severity
        self.file = location.file
        self.line = location.line
        self.column = location.column
        self.message = message
        self.suggestion = suggestion
    }

    public var location: FileLocation { FileLocation(file: file, line: line, column: column) }

    /// `file:line:column: error: message (did you mean 'x'?)`, the first line of the rendering.
    public var description: String {
        var text = "\(file):\(line):\(column): \(severity.rawValue): \(message)"
        if let suggestion { text += "; did you mean '\(suggestion)'?" }
        return text
    }

    /// The summary line, then the offending source line and a caret under the column.
    /// `sourceLine` is the text of line `line` of `file`, when it could be read.
    public func rendered(sourceLine: String?) -> String {
        guard let sourceLine else { return description }
        var caret = ""
        // Copy tabs so the caret lines up however the terminal expands them.
        for scalar in sourceLine.unicodeScalars.prefix(max(0, column - 1)) {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return "\(description)\n    \(sourceLine)\n    \(caret)^"
    }
}
