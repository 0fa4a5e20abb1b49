/// One `path=value` change to a JSON document, as given to `--set`.
///
/// The value is typed the way it reads: `2000` and `-5` are integers, `true`/`false` booleans,
/// `null` null, text starting with `{`, `[` or `"` is parsed as JSON (so `"42"` is the string 42),
/// and anything else is a string. Values under a `metadata` object are always strings, because
/// Stripe only ever sends metadata values as strings.
public struct JSONOverride: Sendable, Equatable, CustomStringConvertible {
    /// Dotted path as written: `amount`, `items.data.0.quantity`, `$.livemode` (for a Stripe
    /// event, `StripeFieldPath` says where it points).
    public let path: String
    /// The typed value to store there.
    public let value: JSONValue

    public init(path: String, value: JSONValue) {
        self.path = path
        self.value = value
    }

    /// Reads `path=value`.
    public init(parsing assignment: String) throws(JSONOverrideError) {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
            throw JSONOverrideError(assignment: assignment, reason: "expected `path=value`, e.g. `amount=2000`")
        }
        let path = String(assignment[..<equals])
        let text = String(assignment[assignment.index(after: equals)...])
        let components = path.split(separator: ".", omittingEmptySubsequences: false)
        guard !components.contains(where: \.isEmpty) else {
            throw JSONOverrideError(assignment: assignment, reason: "the path has an empty component")
        }
        if components.dropLast().last == "metadata" {
            self.init(path: path, value: .string(text))
            return
        }
        switch text {
        case "true": self.init(path: path, value: .bool(true))
        case "false": self.init(path: path, value: .bool(false))
        case "null": self.init(path: path, value: .null)
        default:
            if let integer = Int64(text) {
                self.init(path: path, value: .int(integer))
            } else if let first = text.first, "{[\"".contains(first) {
                do {
                    self.init(path: path, value: try JSONValue(parsing: text))
                } catch {
                    throw JSONOverrideError(assignment: assignment, reason: "the value is not valid JSON (\(error.reason) at byte \(error.offset))")
                }
            } else {
                self.init(path: path, value: .string(text))
            }
        }
    }

    public var description: String { "\(path)=\(value.serializedString())" }
}

/// Why a `path=value` override could not be read.
public struct JSONOverrideError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `path=value` text as given.
    public let assignment: String
    /// What is wrong with it.
    public let reason: String

    public var description: String { "--set `\(assignment)`: \(reason)" }
}
