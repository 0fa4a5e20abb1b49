/// An amount of money as an exact integer count of minor units (kuruş, cents) in one currency.
///
/// Amounts never pass through `Double`: `19.99` is parsed digit by digit to 1999, where
/// `Int(19.99 * 100)` would give 1998.
public struct Money: Sendable, Hashable, CustomStringConvertible {
    /// Minor units: 297000 for 2970.00 TRY.
    public let minorUnits: Int64
    /// The currency the minor units are counted in.
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Reads a non-negative decimal such as `2970.00`, `2970` or `19.9` exactly.
    ///
    /// Accepted: digits, optionally followed by `.` and at most `currency.minorUnitDigits` digits.
    /// Rejected with a typed error: signs, exponents, grouping separators (`1,000`), spaces, and
    /// more fraction digits than the currency has (`1.234` USD).
    public init(parsing text: String, currency: Currency) throws(AmountParseError) {
        func fail(_ reason: AmountParseError.Reason) -> AmountParseError {
            AmountParseError(text: text, currency: currency, reason: reason)
        }
        if text.hasPrefix("-") { throw fail(.negative) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty,
            whole.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            throw fail(.notADecimal)
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        if parts.count == 2 {
            guard !fraction.isEmpty, fraction.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw fail(.notADecimal) }
            guard fraction.count <= currency.minorUnitDigits else {
                throw fail(.tooManyFractionDigits(allowed: currency.minorUnitDigits))
            }
        }
        let padded = String(fraction) + String(repeating: "0", count: currency.minorUnitDigits - fraction.count)
        guard let units = Int64(String(whole) + padded) else { throw fail(.tooLarge) }
        self.init(minorUnits: units, currency: currency)
    }

    /// Major units with exactly `minorUnitDigits` decimals: `2970.00`.
    public var decimalString: String {
        let digits = currency.minorUnitDigits
        guard digits > 0 else { return String(minorUnits) }
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = String(minorUnits.magnitude)
        let padded = String(repeating: "0", count: max(0, digits + 1 - magnitude.count)) + magnitude
        return sign + padded.dropLast(digits) + "." + padded.suffix(digits)
    }

    /// `2970.00 TRY`.
    public var description: String { "\(decimalString) \(currency.code)" }
}
