public import Foundation

/// The cookies one check suite run keeps between its requests, as a browser would: stored from
/// `Set-Cookie`, sent back in `Cookie` to the host and path they belong to, dropped when they
/// expire. Kept in memory only, never written anywhere.
public struct CookieJar: Sendable {
    /// One stored cookie.
    public struct Cookie: Sendable, Hashable {
        public var name: String
        public var value: String
        /// The host it was set by, or the `Domain` it names (then subdomains match too).
        public var domain: String
        public var matchesSubdomains: Bool
        public var path: String
        public var secure: Bool
        /// Nil for a session cookie (kept for the whole run).
        public var expires: Date?

        /// Parses a `Set-Cookie` value sent by `requestHost`; nil when it has no `name=`.
        init?(setCookie: String, requestHost: String, now: Date = Date()) {
            let parts = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = parts.first, let equals = first.firstIndex(of: "="), equals != first.startIndex else { return nil }
            name = String(first[..<equals])
            value = String(first[first.index(after: equals)...])
            domain = requestHost.lowercased()
            matchesSubdomains = false
            path = "/"
            secure = false
            expires = nil
            var maxAge: Int?
            for attribute in parts.dropFirst() {
                let pieces = attribute.split(separator: "=", maxSplits: 1).map(String.init)
                let key = pieces[0].lowercased()
                let argument = pieces.count > 1 ? pieces[1] : ""
                switch key {
                case "domain" where !argument.isEmpty:
                    domain = argument.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
                    matchesSubdomains = true
                case "path" where argument.hasPrefix("/"): path = argument
                case "secure": secure = true
                case "max-age": maxAge = Int(argument)
                case "expires": expires = Self.httpDate(argument) ?? expires
                default: break
                }
            }
            // Max-Age wins over Expires (RFC 6265 §5.3).
            if let maxAge { expires = now.addingTimeInterval(TimeInterval(maxAge)) }
        }

        func isExpired(at now: Date) -> Bool { expires.map { $0 <= now } ?? false }

        func applies(to url: URLComponents) -> Bool {
            let host = (url.host ?? "").lowercased()
            let hostMatches = host == domain || (matchesSubdomains && host.hasSuffix("." + domain))
            let requestPath = url.path.isEmpty ? "/" : url.path
            let pathMatches = requestPath == path || requestPath.hasPrefix(path.hasSuffix("/") ? path : path + "/")
            return hostMatches && pathMatches && (!secure || url.scheme == "https")
        }

        private static func httpDate(_ text: String) -> Date? {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEE, dd-MMM-yyyy HH:mm:ss zzz", "EEE, dd-MMM-yy HH:mm:ss zzz"] {
                formatter.dateFormat = format
                if let date = formatter.date(from: text) { return date }
            }
            return nil
        }
    }

    public private(set) var cookies: [Cookie] = []

    public init() {}

    /// Keeps every cookie `response` sets for `url`; one set again replaces the old one, one
    /// already expired (logout) removes it.
    public mutating func store(from response: HTTPResponse, for url: String, now: Date = Date()) {
        let host = URLComponents(string: url)?.host ?? ""
        for header in response.headers where header.name.caseInsensitiveCompare("Set-Cookie") == .orderedSame {
            guard let cookie = Cookie(setCookie: header.value, requestHost: host, now: now) else { continue }
            cookies.removeAll { $0.name == cookie.name && $0.domain == cookie.domain && $0.path == cookie.path }
            if !cookie.isExpired(at: now) { cookies.append(cookie) }
        }
    }

    /// The `Cookie` header value for a request to `url`, or nil when no cookie applies.
    public func header(for url: String, now: Date = Date()) -> String? {
        guard let components = URLComponents(string: url) else { return nil }
        // Longer paths first, as browsers send them.
        let matching = cookies.filter { !$0.isExpired(at: now) && $0.applies(to: components) }.sorted { $0.path.count > $1.path.count }
        return matching.isEmpty ? nil : matching.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
    }

    /// When the first cookie that has an expiry runs out; nil when none has one.
    public var earliestExpiry: Date? { cookies.compactMap(\.expires).min() }

    /// Every cookie value, for masking the cookies of a login that holds a secret.
    var values: [String] { cookies.map(\.value) }
}
