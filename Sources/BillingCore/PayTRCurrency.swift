/// A currency as PayTR writes it in `currency` fields.
public enum PayTRCurrency: String, Sendable, Hashable, CaseIterable {
    case tl = "TL"
    case eur = "EUR"
    case usd = "USD"
    case gbp = "GBP"
    case rub = "RUB"

    /// Reads `TL` or the ISO code `TRY` (both name the lira), or one of the others, any case.
    public init?(code: String) {
        let upper = code.uppercased()
        self.init(rawValue: upper == "TRY" ? "TL" : upper)
    }

    /// The ISO currency, for exact amount parsing.
    public var currency: Currency {
        self == .tl ? .tryLira : Currency(code: rawValue)
    }
}
