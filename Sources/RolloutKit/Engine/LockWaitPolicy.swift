/// How long to keep trying for a held deploy lock (`--lock-wait 5m`), and how often.
public struct LockWaitPolicy: Sendable, Hashable {
    /// Give up after this long; `.zero` tries once.
    public var maxWait: Duration
    /// Pause between attempts.
    public var interval: Duration

    public init(maxWait: Duration, interval: Duration = .seconds(2)) {
        self.maxWait = maxWait
        self.interval = interval
    }

    /// Try once, never wait.
    public static let noWait = LockWaitPolicy(maxWait: .zero)

    /// The pause before the next attempt, or nil to give up, after `elapsed` of waiting.
    public func delay(afterWaiting elapsed: Duration) -> Duration? {
        guard elapsed < maxWait else { return nil }
        return min(interval, maxWait - elapsed)
    }

    /// Reads `30s`, `5m`, `1h`, `90` (seconds).
    public init?(parsing text: String, interval: Duration = .seconds(2)) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600]
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = text.last, let factor = units[last] {
            unit = factor
            digits = text.dropLast()
        }
        guard let amount = Int64(digits), amount >= 0 else { return nil }
        self.init(maxWait: .seconds(amount * unit), interval: interval)
    }
}
