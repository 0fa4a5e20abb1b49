/// A place in a source file: 1-based line and column (columns count Unicode scalars, as libyaml
/// does), for messages like `deploy.yml:12:7`.
public struct FileLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file as the user named it (relative paths stay relative, so messages stay short).
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }

    /// The location `count` scalars further along the same line.
    public func advanced(by count: Int) -> FileLocation {
        FileLocation(file: file, line: line, column: column + count)
    }
}
