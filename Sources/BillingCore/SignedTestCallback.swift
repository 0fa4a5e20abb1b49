/// A signed test callback as the provider would send it: the headers and exactly the body bytes
/// that were signed (or, when tampered, changed after signing). Both `rollout sign` and the
/// `callback` step send these, so what one proves the other sends.
public struct SignedTestCallback: Sendable {
    /// Header name and value pairs, in send order.
    public let headers: [(name: String, value: String)]
    /// The body bytes.
    public let body: [UInt8]

    public init(headers: [(name: String, value: String)], body: [UInt8]) {
        self.headers = headers
        self.body = body
    }
}
