import BillingCore
import Foundation

/// A value a check takes from its response (`capture: { token: { json: $.access_token, secret: true } }`)
/// for the later checks of its suite run, as `{{ captured.token }}`.
public struct CheckCapture: Sendable, Hashable {
    /// Where in the response the value is.
    public enum Source: Sendable, Hashable {
        /// A JSON path into the body.
        case json(JSONPath)
        /// A response header (its first value).
        case header(String)
        /// A cookie the response sets.
        case cookie(String)
        /// A regular expression on the body: its first group, or the whole match without one
        /// (a CSRF token from a form: `name="csrf_token" value="([^"]+)"`).
        case regex(String)
    }

    public var name: String
    public var source: Source
    /// Masked like a declared secret wherever it appears.
    public var secret: Bool
    public var location: FileLocation

    /// `json $.access_token`, `header Location`.
    public var sourceText: String {
        switch source {
        case .json(let path): "json \(path)"
        case .header(let name): "header \(name)"
        case .cookie(let name): "cookie \(name)"
        case .regex(let pattern): "regex \(pattern)"
        }
    }

    /// The value in `response`, or why it is not there (without the value itself).
    func value(in response: HTTPResponse) -> Result<String, CaptureMissing> {
        switch source {
        case .json(let path):
            guard let document = try? JSONValue(parsing: response.bodyText) else {
                return .failure(CaptureMissing("capture \(name): the body is not JSON, so \(path) cannot be read"))
            }
            guard let found = path.value(in: document), found != .null else {
                return .failure(CaptureMissing("capture \(name): \(path) is not in the body"))
            }
            return .success(found.checkText)
        case .header(let header):
            guard let value = response.headers.value(for: header) else {
                return .failure(CaptureMissing("capture \(name): the response has no header \(header)"))
            }
            return .success(value)
        case .cookie(let cookie):
            let set = response.headers.filter { $0.name.caseInsensitiveCompare("Set-Cookie") == .orderedSame }
            for header in set {
                guard let parsed = CookieJar.Cookie(setCookie: header.value, requestHost: ""), parsed.name == cookie else { continue }
                return .success(parsed.value)
            }
            return .failure(CaptureMissing("capture \(name): the response sets no cookie \(cookie)"))
        case .regex(let pattern):
            let body = response.bodyText
            guard let regex = try? NSRegularExpression(pattern: pattern),
                let match = regex.firstMatch(in: body, range: NSRange(body.startIndex..., in: body))
            else {
                return .failure(CaptureMissing("capture \(name): ~ \(pattern) matches nothing in the body"))
            }
            let group = match.numberOfRanges > 1 ? 1 : 0
            guard let range = Range(match.range(at: group), in: body) else {
                return .failure(CaptureMissing("capture \(name): the group of ~ \(pattern) matched nothing"))
            }
            return .success(String(body[range]))
        }
    }
}

/// Why a capture found nothing; the check fails with this message.
struct CaptureMissing: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
