public import Foundation

/// What came back: status, headers in the order received, the body bytes and how long each
/// phase took.
public struct HTTPResponse: Sendable {
    /// HTTP status code, 1xx to 5xx.
    public let status: Int
    /// Headers of the final response in wire order (interim `100 Continue` headers are dropped).
    public let headers: [HTTPHeader]
    /// The body bytes as received (after any transfer decoding).
    public let body: Data
    /// When each phase finished.
    public let timings: HTTPTimings
    /// Where a 3xx points (resolved against the request URL) when redirects are not followed.
    public let redirectURL: String?

    public init(status: Int, headers: [HTTPHeader], body: Data, timings: HTTPTimings, redirectURL: String?) {
        self.status = status
        self.headers = headers
        self.body = body
        self.timings = timings
        self.redirectURL = redirectURL
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Phase times of one exchange, each measured from the start of the request (curl's
/// `*_TIME_T`), so `connect <= tls <= firstByte <= total`.
public struct HTTPTimings: Sendable, Hashable {
    /// TCP connection established.
    public let connect: Duration
    /// TLS handshake done; nil for plain HTTP.
    public let tls: Duration?
    /// First response byte received.
    public let firstByte: Duration
    /// Whole exchange.
    public let total: Duration

    public init(connect: Duration, tls: Duration?, firstByte: Duration, total: Duration) {
        self.connect = connect
        self.tls = tls
        self.firstByte = firstByte
        self.total = total
    }
}

extension Duration {
    /// Milliseconds as a Double, for reports: `12.5`.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
