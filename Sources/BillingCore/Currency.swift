/// An ISO 4217 currency and how many minor-unit digits it has.
public struct Currency: Sendable, Hashable, CustomStringConvertible {
    /// Upper-case ISO code, e.g. `TRY`, `USD`.
    public let code: String
    /// Digits after the decimal point: 2 for kuruş and cents.
    public let minorUnitDigits: Int

    public init(code: String, minorUnitDigits: Int = 2) {
        self.code = code.uppercased()
        self.minorUnitDigits = minorUnitDigits
    }

    public static let tryLira = Currency(code: "TRY")
    public static let usd = Currency(code: "USD")
    public static let eur = Currency(code: "EUR")
    public static let gbp = Currency(code: "GBP")
    public static let rub = Currency(code: "RUB")

    public var description: String { code }
}
