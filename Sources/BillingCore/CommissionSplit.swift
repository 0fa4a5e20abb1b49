/// A payment divided between the platform's fee and the payee's payout, where
/// `fee + payout == amount` holds for every amount, by construction.
///
/// Rounding: the fee is `amount × rate` rounded half up (away from zero) to a whole minor unit,
/// and the payout is what remains. With the default 10 %, 1999 → fee 200, payout 1799; 5 → fee 1
/// (0.5 rounds up), payout 4; 4 → fee 0, payout 4.
public struct CommissionSplit: Sendable, Hashable {
    /// The platform's share.
    public let fee: Money
    /// The payee's share: `amount − fee`.
    public let payout: Money

    /// The platform fee used by the runbooks: 10 % (1000 basis points).
    public static let defaultFeeBasisPoints = 1000

    /// Splits `amount` with a fee of `feeBasisPoints` hundredths of a percent (0...10000).
    public init(amount: Money, feeBasisPoints: Int = CommissionSplit.defaultFeeBasisPoints) {
        precondition((0...10_000).contains(feeBasisPoints), "fee must be between 0 and 100 %")
        let bps = Int64(feeBasisPoints)
        // Split the amount so no product can overflow: whole multiples of 10000 are exact, and
        // the remainder (< 10000) times the rate stays below 10^8.
        let (blocks, remainder) = amount.minorUnits.quotientAndRemainder(dividingBy: 10_000)
        let scaled = remainder * bps
        var roundedRemainder = scaled / 10_000
        if (scaled % 10_000).magnitude * 2 >= 10_000 { roundedRemainder += scaled < 0 ? -1 : 1 }
        let feeUnits = blocks * bps + roundedRemainder
        fee = Money(minorUnits: feeUnits, currency: amount.currency)
        payout = Money(minorUnits: amount.minorUnits - feeUnits, currency: amount.currency)
    }
}
