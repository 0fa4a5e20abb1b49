import Testing

@testable import BillingCore

@Suite("Money: decimal amounts to exact minor units")
struct MoneyTests {
    @Test(
        "decimal strings become kuruş exactly",
        arguments: [
            ("19.99", Int64(1999)), ("2970.00", 297000), ("2970", 297000), ("0.29", 29), ("1234.56", 123456),
            ("19.9", 1990), ("0", 0), ("0.01", 1), ("92233720368547758.07", Int64.max),
        ])
    func parses(text: String, kurus: Int64) throws {
        #expect(try Money(parsing: text, currency: .tryLira).minorUnits == kurus)
    }

    @Test(
        "malformed amounts are typed errors",
        arguments: [
            ("1.234", AmountParseError.Reason.tooManyFractionDigits(allowed: 2)), ("abc", .notADecimal), ("-5", .negative),
            ("", .notADecimal), ("1,000.00", .notADecimal), ("2970.", .notADecimal), (".5", .notADecimal), ("+5", .notADecimal),
            (" 5", .notADecimal), ("1e3", .notADecimal), ("1.2.3", .notADecimal), ("92233720368547758.08", .tooLarge),
        ])
    func rejects(text: String, reason: AmountParseError.Reason) {
        #expect(throws: AmountParseError(text: text, currency: .usd, reason: reason)) { try Money(parsing: text, currency: .usd) }
    }

    @Test("the error message names the amount and shows the expected form")
    func message() {
        #expect(throws: AmountParseError.self) { try Money(parsing: "1.234", currency: .usd) }
        let error = AmountParseError(text: "1.234", currency: .usd, reason: .tooManyFractionDigits(allowed: 2))
        #expect(error.description == "amount `1.234` has more than 2 digits after the point for USD; write it like 2970.00 or 2970")
    }

    @Test(
        "decimalString writes the major units back",
        arguments: [(Int64(297000), "2970.00"), (1999, "19.99"), (5, "0.05"), (0, "0.00"), (-150, "-1.50")])
    func decimalString(units: Int64, text: String) {
        #expect(Money(minorUnits: units, currency: .usd).decimalString == text)
    }

    @Test("parsing what decimalString wrote gives the same amount, for many amounts")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let units = Int64.random(in: 0...10_000_000_000, using: &generator)
            let money = Money(minorUnits: units, currency: .eur)
            #expect(try Money(parsing: money.decimalString, currency: .eur) == money)
        }
    }
}

@Suite("Commission split")
struct CommissionSplitTests {
    @Test("fee + payout == amount for every amount 0...100 000 and for extremes")
    func sumsToAmount() {
        var amounts = Array(Int64(0)...100_000)
        amounts += [Int64.max, Int64.max - 1, 9_999_999_999_999_999, -1, -5, -1999, Int64.min + 1]
        for bps in [0, 1, 250, 999, 1000, 1500, 3333, 10_000] {
            for amount in amounts {
                let split = CommissionSplit(amount: Money(minorUnits: amount, currency: .usd), feeBasisPoints: bps)
                #expect(split.fee.minorUnits + split.payout.minorUnits == amount)
                if amount >= 0 { #expect(split.fee.minorUnits >= 0 && split.payout.minorUnits >= 0) }
            }
        }
    }

    @Test("the fee is the exact rate rounded half up to a whole minor unit")
    func rounding() {
        for amount in Int64(0)...20_000 {
            let fee = CommissionSplit(amount: Money(minorUnits: amount, currency: .usd)).fee.minorUnits
            // Exact 10 %: amount / 10, and the rest decides rounding at the half.
            let expected = amount / 10 + (amount % 10 >= 5 ? 1 : 0)
            #expect(fee == expected)
        }
    }

    @Test("10 % of the runbook amounts", arguments: [(Int64(297000), Int64(29700), Int64(267300)), (1999, 200, 1799), (5, 1, 4), (4, 0, 4)])
    func examples(amount: Int64, fee: Int64, payout: Int64) {
        let split = CommissionSplit(amount: Money(minorUnits: amount, currency: .tryLira))
        #expect(split.fee.minorUnits == fee)
        #expect(split.payout.minorUnits == payout)
        #expect(split.payout.currency == .tryLira)
    }
}

@Suite("Plans")
struct PlanTests {
    @Test("Starter / Team / Enterprise cost 29 / 99 / 299 USD a month")
    func teamPlans() {
        #expect(PlanCatalog.teamPlans.map(\.price.decimalString) == ["29.00", "99.00", "299.00"])
        #expect(PlanCatalog.teamPlans.allSatisfy { $0.interval == .month && $0.price.currency == .usd })
    }

    @Test("Free / Starter / Pro: a year costs ten months")
    func subscriptionPlans() throws {
        for name in ["free", "starter", "pro"] {
            let monthly = try #require(PlanCatalog.plan(id: "\(name)-monthly"))
            let yearly = try #require(PlanCatalog.plan(id: "\(name)-yearly"))
            #expect(yearly.price.minorUnits == monthly.price.minorUnits * 10)
            #expect(monthly.name == yearly.name && yearly.interval == .year)
        }
    }
}
