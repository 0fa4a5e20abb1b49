/// Why an HTTP exchange produced no response. (A response with any status, 5xx included, is not
/// an error.) Each description is one line: what failed, where, and what to do.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing accepted the connection (refused, unreachable).
    case cannotConnect(url: String, detail: String)
    /// No complete response within the request's timeout.
    case timedOut(url: String, after: Duration)
    /// The host name did not resolve.
    case dns(url: String, host: String)
    /// The TLS handshake or certificate check failed.
    case tls(url: String, detail: String)
    /// The URL cannot be used (syntax, scheme).
    case invalidURL(url: String, detail: String)
    /// The connection broke during the exchange, or another transfer error.
    case transfer(url: String, detail: String)
    /// libcurl could not be loaded on this machine.
    case libraryMissing(detail: String)

    public var description: String {
        switch self {
        case .cannotConnect(let url, let detail):
            "cannot connect to \(url): \(detail); check that the service is running and listening on that address and port"
        case .timedOut(let url, let after):
            "no response from \(url) within \(after.formatted); check that the service is up, or raise the timeout"
        case .dns(let url, let host):
            "cannot resolve host `\(host)` of \(url); check the host name and DNS"
        case .tls(let url, let detail):
            "TLS with \(url) failed: \(detail); check the server's certificate and the CA bundle"
        case .invalidURL(let url, let detail):
            "cannot use URL `\(url)`: \(detail); give an absolute http:// or https:// URL"
        case .transfer(let url, let detail):
            "request to \(url) failed: \(detail); check the service's logs"
        case .libraryMissing(let detail):
            "cannot send HTTP requests: libcurl did not load (\(detail)); install it (apt-get install libcurl4)"
        }
    }
}

extension Duration {
    /// `2 s`, `250 ms`.
    var formatted: String {
        let ms = milliseconds
        return ms >= 1000 && ms.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(ms / 1000)) s" : "\(Int(ms.rounded())) ms"
    }
}
