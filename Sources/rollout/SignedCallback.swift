import BillingCore
import Foundation
import RolloutKit

/// A signed test callback: the exact request a payment provider would send.
struct SignedCallback {
    let method = "POST"
    let url: String
    let headers: [HTTPHeader]
    /// Exactly the bytes that were signed (or, with `--tamper`, changed after signing).
    let body: [UInt8]

    init(url: String, signed: SignedTestCallback) {
        self.url = url
        headers = signed.headers.map { HTTPHeader($0.name, $0.value) }
        body = signed.body
    }

    /// The request as text in the chosen format, ending with a newline for json and curl.
    func rendered(_ format: SignOutputFormat) -> [UInt8] {
        switch format {
        case .http: httpRequest()
        case .json: Array(jsonDocument().utf8)
        case .curl: Array(curlCommand().utf8)
        }
    }

    /// `POST /path HTTP/1.1` with CRLF line ends, Host and Content-Length, then the body, so it
    /// can be replayed with `nc`.
    private func httpRequest() -> [UInt8] {
        let components = URLComponents(string: url)
        var target = components?.percentEncodedPath ?? "/"
        if target.isEmpty { target = "/" }
        if let query = components?.percentEncodedQuery { target += "?" + query }
        var host = components?.host ?? ""
        if let port = components?.port { host += ":\(port)" }
        var lines = ["\(method) \(target) HTTP/1.1", "Host: \(host)"]
        lines += headers.map(\.description)
        lines.append("Content-Length: \(body.count)")
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    /// `{"method","url","headers","body"}` with the body as a string holding exactly the signed bytes.
    private func jsonDocument() -> String {
        let document = JSONValue.object([
            ("method", .string(method)),
            ("url", .string(url)),
            ("headers", .object(headers.map { ($0.name, JSONValue.string($0.value)) })),
            ("body", .string(String(decoding: body, as: UTF8.self))),
        ])
        return document.serializedString(.pretty) + "\n"
    }

    /// A runnable `curl` command; every argument single-quoted for a POSIX shell.
    private func curlCommand() -> String {
        var words = ["curl", "-sS", "-X", method, Self.quote(url)]
        for header in headers { words += ["-H", Self.quote(header.description)] }
        words += ["--data-binary", Self.quote(String(decoding: body, as: UTF8.self))]
        return words.joined(separator: " ") + "\n"
    }

    static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The request for `HTTPClient`.
    func request(to url: String, timeout: Duration) -> HTTPRequest {
        HTTPRequest(method: method, url: url, headers: headers, body: .bytes(Data(body)), timeout: timeout)
    }
}
