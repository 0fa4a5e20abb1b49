/// Why a decimal amount such as `2970.00` could not be read as an exact number of minor units.
public struct AmountParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the text.
    public enum Reason: Sendable, Equatable {
        /// Empty, or a character that is not a digit or a single `.`.
        case notADecimal
        /// A minus sign: amounts are never negative.
        case negative
        /// More digits after the point than the currency has minor units (`1.234` USD).
        case tooManyFractionDigits(allowed: Int)
        /// Larger than 64-bit minor units can hold.
        case tooLarge
    }

    /// The text as given.
    public let text: String
    /// The currency the amount was read for (it decides the allowed fraction digits).
    public let currency: Currency
    /// What is wrong.
    public let reason: Reason

    public var description: String {
        let example = currency.minorUnitDigits == 0 ? "2970" : "2970.00 or 2970"
        switch reason {
        case .notADecimal:
            return "amount `\(text)` is not a decimal number; write it like \(example)"
        case .negative:
            return "amount `\(text)` is negative; give a positive amount like \(example)"
        case .tooManyFractionDigits(let allowed):
            return "amount `\(text)` has more than \(allowed) digits after the point for \(currency.code); write it like \(example)"
        case .tooLarge:
            return "amount `\(text)` is too large; give an amount below 92 quadrillion"
        }
    }
}
