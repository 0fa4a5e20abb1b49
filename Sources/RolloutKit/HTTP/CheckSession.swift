import BillingCore
import Foundation

/// What one run of a check suite carries from a request to the next, like a browser tab: the
/// cookies the app set and the values the checks captured. After a `login:` it is the signed-in
/// session, which `LoginSessionStore` keeps for later runs of the same login.
struct CheckSession: Sendable {
    var cookies = CookieJar()
    var captured: [String: CapturedValue] = [:]

    /// Values that must never be shown: secret captures.
    var secretValues: [String] { captured.values.filter(\.secret).map(\.value) }

    /// When the session stops being valid: the earliest of its cookies' expiry and the `exp`
    /// of any captured JSON Web Token. Nil when neither says (then it lasts the whole run).
    var expires: Date? {
        let tokenExpiries = captured.values.compactMap { Self.jwtExpiry($0.value) }
        return (tokenExpiries + [cookies.earliestExpiry].compactMap { $0 }).min()
    }

    /// The `exp` claim of `text` when it is a JWT (`header.payload.signature`, base64url).
    static func jwtExpiry(_ text: String) -> Date? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let bytes = Base64.decode(base64), let claims = try? JSONValue(parsing: String(decoding: bytes, as: UTF8.self)) else { return nil }
        switch claims["exp"] {
        case .int(let seconds)?: return Date(timeIntervalSince1970: TimeInterval(seconds))
        case .number(let text)?: return Double(text).map { Date(timeIntervalSince1970: $0) }
        default: return nil
        }
    }
}
