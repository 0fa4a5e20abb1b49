/// A value a check took from a response (`capture:`), for later checks of the same suite run
/// as `{{ captured.NAME }}`.
public struct CapturedValue: Sendable, Hashable, CustomStringConvertible {
    /// The value as found. Never print it when `secret` is true.
    public var value: String
    /// Masked like a declared secret in every output, report and record.
    public var secret: Bool

    public init(_ value: String, secret: Bool) {
        self.value = value
        self.secret = secret
    }

    public var description: String { secret ? Secret.mask : value }
}
