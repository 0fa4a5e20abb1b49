/// Why some text is not a JSON document.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the input where the problem was found.
    public let offset: Int
    /// What was expected there.
    public let reason: String

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
