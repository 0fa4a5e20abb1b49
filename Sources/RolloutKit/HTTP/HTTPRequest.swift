import BillingCore
public import Foundation

/// An HTTP request as `HTTPClient` sends it: nothing implicit beyond what is written here.
public struct HTTPRequest: Sendable {
    /// What goes in the request body.
    public enum Body: Sendable, Equatable {
        case none
        /// Exact bytes, sent unchanged (NUL bytes included).
        case bytes(Data)
        /// `application/x-www-form-urlencoded` fields, in order.
        case form([HTTPHeader])
    }

    /// Any method: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, `OPTIONS`…
    public var method: String
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Sent in order after curl's own `Host`; a `Content-Type` here overrides the default.
    public var headers: [HTTPHeader]
    /// The body; `.none` for GET.
    public var body: Body
    /// Limit for the whole exchange, connection included.
    public var timeout: Duration
    /// Off by default: a 3xx comes back as the response, with `redirectURL` set.
    public var followRedirects: Bool
    /// On by default: the server's certificate chain and host name are checked.
    public var verifiesTLS: Bool

    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: Body = .none,
        timeout: Duration = .seconds(30),
        followRedirects: Bool = false,
        verifiesTLS: Bool = true
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.followRedirects = followRedirects
        self.verifiesTLS = verifiesTLS
    }

    /// The bytes that go on the wire as the body, and the content type they imply.
    var encodedBody: (bytes: Data, defaultContentType: String)? {
        switch body {
        case .none:
            return nil
        case .bytes(let data):
            return (data, "application/octet-stream")
        case .form(let fields):
            let text = FormURLEncoding.encode(fields.map { ($0.name, $0.value) })
            return (Data(text.utf8), "application/x-www-form-urlencoded")
        }
    }
}
