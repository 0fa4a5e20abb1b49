/// The plans the runbooks sell, as data.
public enum PlanCatalog {
    private static func usd(_ dollars: Int64) -> Money { Money(minorUnits: dollars * 100, currency: .usd) }

    /// Starter / Team / Enterprise, billed monthly: 29, 99 and 299 USD.
    public static let teamPlans: [Plan] = [
        Plan(id: "starter", name: "Starter", price: usd(29), interval: .month),
        Plan(id: "team", name: "Team", price: usd(99), interval: .month),
        Plan(id: "enterprise", name: "Enterprise", price: usd(299), interval: .month),
    ]

    /// Free / Starter / Pro, each monthly and yearly.
    ///
    /// The runbook names these tiers but not their prices; chosen here: Free 0, Starter 19 and
    /// Pro 49 USD a month. A yearly plan costs ten months (two months free): Starter 190, Pro 490
    /// USD a year.
    public static let subscriptionPlans: [Plan] = [
        Plan(id: "free-monthly", name: "Free", price: usd(0), interval: .month),
        Plan(id: "free-yearly", name: "Free", price: usd(0), interval: .year),
        Plan(id: "starter-monthly", name: "Starter", price: usd(19), interval: .month),
        Plan(id: "starter-yearly", name: "Starter", price: usd(190), interval: .year),
        Plan(id: "pro-monthly", name: "Pro", price: usd(49), interval: .month),
        Plan(id: "pro-yearly", name: "Pro", price: usd(490), interval: .year),
    ]

    /// The plan with `id` in either catalogue.
    public static func plan(id: String) -> Plan? {
        (teamPlans + subscriptionPlans).first { $0.id == id }
    }
}
