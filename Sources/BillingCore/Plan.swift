/// A subscription plan from one of the runbooks: a name, a price and how often it is charged.
public struct Plan: Sendable, Hashable, Identifiable {
    /// How often the plan is charged.
    public enum Interval: String, Sendable, Hashable {
        case month
        case year
    }

    /// Stable identifier such as `starter-monthly`, used as the seed key and in metadata.
    public let id: String
    /// Name shown to the customer: `Starter`.
    public let name: String
    /// Price per interval.
    public let price: Money
    /// Billing interval.
    public let interval: Interval

    public init(id: String, name: String, price: Money, interval: Interval) {
        self.id = id
        self.name = name
        self.price = price
        self.interval = interval
    }
}
