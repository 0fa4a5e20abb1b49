/// Waits until an HTTP URL answers with an expected status, or a TCP port accepts connections.
/// `wait_for: { url: "{{ base_url }}/health", within: 60s }` or `wait_for: { tcp: "127.0.0.1:5432" }`.
/// No undo.
public struct WaitForStep: Step {
    public static let kind = "wait_for"
    public static let optionKeys = ["url", "tcp", "status", "within", "interval"]

    /// What to wait for.
    public enum Target: Sendable, Hashable {
        case http(Template)
        /// `host:port`.
        case tcp(Template)
    }

    public var target: Target
    /// Acceptable HTTP statuses (default 200).
    public var status: [Int]
    /// Give up after this long (default 60s).
    public var within: Duration
    /// Pause between attempts (default 1s).
    public var interval: Duration

    public init?(options: OptionReader, context: StepDecodingContext) {
        options.exactlyOne(of: ["url", "tcp"])
        let url = options.template("url")
        let tcp = options.template("tcp")
        status = options.ints("status", in: 100...599) ?? [200]
        within = options.duration("within") ?? .seconds(60)
        interval = options.duration("interval") ?? .seconds(1)
        if let tcp, tcp.isLiteral, tcp.source.split(separator: ":").last.flatMap({ Int($0) }) == nil {
            options.error("'tcp' must be 'host:port', found '\(tcp.source)'", at: "tcp")
        }
        if tcp != nil, options.has("status") { options.error("'status' applies only to 'url'", at: "status") }
        if let url { target = .http(url) } else if let tcp { target = .tcp(tcp) } else { return nil }
    }

    public var mutates: Bool { false }

    public var summary: String {
        switch target {
        case .http(let url): "wait for \(url.shortened)"
        case .tcp(let address): "wait for \(address.shortened)"
        }
    }
}
