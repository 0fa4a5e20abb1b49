/// A Stripe API version as an endpoint pins it: `2024-06-20` or, since Stripe named its release
/// trains, `2025-03-31.basil`.
///
/// The version decides the shape of an event's object: Rollout's templates are in the newest
/// shape it models (`newest`), and an older version gets the fields that have moved since put
/// back where that version had them (see `StripeEvent.reshape(for:)` and docs/signing.md).
public struct StripeAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `2025-03-31`: what versions are ordered by.
    public let date: String
    /// `basil`, or nil for versions from before release trains (before `2024-09-30.acacia`).
    public let train: String?

    /// The newest version modelled, and the default: the one stripe-python 16.1.0 pins.
    public static let newest = StripeAPIVersion(date: "2026-10-28", train: "endive")
    /// The version that moved invoices' and subscriptions' fields (`invoice.parent`,
    /// `items.data[].current_period_*`) and took `invoice`, `paid`, `charge` and `payment_intent`
    /// off invoices, payment intents and charges.
    public static let basil = StripeAPIVersion(date: "2025-03-31", train: "basil")

    init(date: String, train: String?) {
        self.date = date
        self.train = train
    }

    /// Reads `YYYY-MM-DD` or `YYYY-MM-DD.train`.
    public init(parsing text: String) throws(StripeAPIVersionError) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let date = parts[0]
        let digits = date.split(separator: "-", omittingEmptySubsequences: false)
        let wellFormed =
            digits.count == 3
            && zip(digits, [4, 2, 2]).allSatisfy { part, length in
                part.count == length && part.allSatisfy { $0.isASCII && $0.isNumber }
            }
        guard wellFormed, let month = Int(digits[1]), let day = Int(digits[2]), (1...12).contains(month), (1...31).contains(day) else {
            throw StripeAPIVersionError(text: text)
        }
        var train: String?
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isLowercase }) else { throw StripeAPIVersionError(text: text) }
            train = parts[1]
        }
        self.init(date: date, train: train)
    }

    /// True from `2025-03-31.basil` on: invoices carry `parent`, subscription items their period.
    public var hasBasilShapes: Bool { self >= Self.basil }

    public static func < (lhs: StripeAPIVersion, rhs: StripeAPIVersion) -> Bool { lhs.date < rhs.date }

    /// `2025-03-31.basil`.
    public var description: String { train.map { "\(date).\($0)" } ?? date }
}

/// An `api_version` that is not a Stripe API version.
public struct StripeAPIVersionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public let text: String

    public var description: String {
        "`\(text)` is not a Stripe API version; write it as the endpoint shows it, e.g. \(StripeAPIVersion.newest) or 2024-06-20"
    }
}
