import Foundation

/// Tells secret-looking names and values from ordinary ones, so that an import never copies a
/// credential out of a runbook: not into a step, not into a comment quoting the runbook.
public enum SecretShape {
    private static let secretWords = ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "SALT", "PRIVATE", "CREDENTIAL", "APIKEY"]
    private static let secretParts: Set<String> = ["KEY", "PASS", "PWD", "DSN", "AUTH", "CREDENTIALS"]

    /// True for a variable name that holds a credential: `STRIPE_SECRET_KEY`, `DB_PASSWORD`,
    /// `PAYTR_MERCHANT_KEY`, `AWS_ACCESS_KEY_ID`, `SENTRY_DSN`, `MAIL_PASS`.
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        // How long a token lives is configuration, not a credential.
        if ["EXPIRE", "TTL", "LIFETIME", "TIMEOUT", "MINUTES", "SECONDS", "HOURS", "DAYS", "LENGTH", "ALGORITHM"].contains(where: upper.contains) {
            return false
        }
        if secretWords.contains(where: upper.contains) { return true }
        return upper.split(whereSeparator: { $0 == "_" || $0 == "-" }).contains { secretParts.contains(String($0)) }
    }

    /// True for a value that is a credential or stands for one: a placeholder (`<your-key>`,
    /// `your_key`, `<redacted>`), a known key prefix (`sk_live_`, `whsec_`), or a URL carrying a
    /// password (`postgresql://user:pw@host/db`).
    public static func isSecretValue(_ value: String) -> Bool {
        let lower = value.lowercased()
        if isPlaceholder(value) { return true }
        if ["sk_live_", "sk_test_", "rk_live_", "whsec_", "ghp_", "xox"].contains(where: lower.hasPrefix) { return true }
        return urlPassword(in: value) != nil
    }

    /// True for text that only stands for a value the reader must supply.
    public static func isPlaceholder(_ value: String) -> Bool {
        let lower = value.lowercased()
        return (lower.hasPrefix("<") && lower.hasSuffix(">")) || lower.hasPrefix("your_") || lower.hasPrefix("your-")
            || lower.contains("redacted") || lower.contains("xxxx") || lower.hasSuffix("...")
            || lower.range(of: #"<[a-z0-9_ -]+>"#, options: .regularExpression) != nil
    }

    /// `text` with every secret-looking value replaced by `***`: `NAME=value` of a secret name,
    /// a password in a URL, `-p`/`--password` arguments, `Authorization:` header values.
    public static func masked(_ text: String) -> String {
        var result = text
        result = replacing(in: result, pattern: #"([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s&]+)"#) { groups in
            isSecretName(groups[1]) || isSecretValue(unquoted(groups[2])) ? "\(groups[1])=***" : groups[0]
        }
        result = replacing(in: result, pattern: #"(://[^/\s:@]+:)[^@\s]+@"#) { "\($0[1])***@" }
        result = replacing(in: result, pattern: #"((?:^|\s)(?:-p|--password|--token|--secret)[ =])("[^"]*"|'[^']*'|\S+)"#) { "\($0[1])***" }
        result = replacing(
            in: result, pattern: #"((?:Authorization|X-Api-Key|Api-Key)\s*:\s*(?:Bearer |Basic |Token )?)[^"'\s]+"#, options: [.caseInsensitive]
        ) { "\($0[1])***" }
        return result
    }

    /// The password of a `scheme://user:password@host` URL in `text`.
    static func urlPassword(in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: #"://[^/\s:@]+:([^@\s]+)@"#),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }

    static func unquoted(_ text: String) -> String {
        if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    private static func replacing(in text: String, pattern: String, options: NSRegularExpression.Options = [], with transform: ([String]) -> String)
        -> String
    {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else { return text }
        var result = ""
        var last = text.startIndex
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let whole = Range(match.range, in: text) else { continue }
            let groups = (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
            result += text[last..<whole.lowerBound]
            result += transform(groups)
            last = whole.upperBound
        }
        return result + text[last...]
    }
}
