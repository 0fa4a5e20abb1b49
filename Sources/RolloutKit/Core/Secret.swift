/// A secret value (an API key, a salt, a password) that cannot be printed by accident.
///
/// `description`, `debugDescription`, string interpolation, `String(describing:)`, `dump`,
/// `Mirror`, `Codable` encoding and logger metadata all give `***`. The value is reachable only
/// through `revealedForTransport`, which the engine reads when it hands a rendered command to a
/// transport (on stdin, never on a command line).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable, CustomLeafReflectable, Encodable
{
    /// What every secret prints as.
    public static let mask = "***"

    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The real value. Use it only to send the secret where it is needed; never print, log or
    /// store what it returns.
    public var revealedForTransport: String { value }

    public var description: String { Self.mask }
    public var debugDescription: String { Self.mask }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.mask)
    }
}
