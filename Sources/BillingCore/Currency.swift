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

    /// Turkish lira (PayTR writes it `TL`); minor unit: kuruş.
    public static let tryLira = Currency(code: "TRY")
    /// US dollar.
    public static let usd = Currency(code: "USD")
    /// Euro.
    public static let eur = Currency(code: "EUR")
    /// Pound sterling.
    public static let gbp = Currency(code: "GBP")
    /// Russian rouble.
    public static let rub = Currency(code: "RUB")

    public var description: String { code }
}
