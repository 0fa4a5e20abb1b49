/// One header line, name as written and value without surrounding whitespace.
public struct HTTPHeader: Sendable, Hashable, CustomStringConvertible {
    /// Header name as written; compared case-insensitively by `value(for:)`.
    public var name: String
    /// Header value.
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// `Name: value`.
    public var description: String { "\(name): \(value)" }
}

extension Array where Element == HTTPHeader {
    /// The first value of the header `name`, compared case-insensitively.
    public func value(for name: String) -> String? {
        first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
