import Foundation

/// Waits until an HTTP URL answers with an expected status, or a TCP port accepts connections.
/// `wait_for: { url: "{{ base_url }}/health", within: 60s }` or `wait_for: { tcp: "127.0.0.1:5432" }`.
/// No undo.
public struct WaitForStep: Step {
    public static let kind = "wait_for"
    public static let options: [OptionSpec] = [
        OptionSpec("url", .text, "HTTP(S) URL."),
        OptionSpec("tcp", .text, "host:port."),
        OptionSpec("status", .numbers, "Acceptable statuses for url. Default 200."),
        OptionSpec("within", .duration, "Give up after. Default 60s."),
        OptionSpec("interval", .duration, "Pause between attempts. Default 1s."),
    ]

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

extension WaitForStep: RunnableStep {
    public func plan(in context: StepContext) async throws -> StepPlan {
        StepPlan(["\(try describe(in: context)) within \(DurationText.format(within))"], changes: .none)
    }

    private func describe(in context: StepContext) throws(StepError) -> String {
        switch target {
        case .http(let url): "HTTP \(status.map(String.init).joined(separator: " or ")) from \(try context.render(url).masked)"
        case .tcp(let address): "TCP connection to \(try context.render(address).masked)"
        }
    }

    /// Probes from the machine running rollout until the target answers or `within` passes.
    public func run(in context: StepContext) async throws -> StepRun {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: within)
        var attempts = 0
        var last = ""
        while true {
            attempts += 1
            let remaining = clock.now.duration(to: deadline)
            let probeTimeout = min(max(remaining, .milliseconds(100)), .seconds(10))
            switch target {
            case .http(let template):
                let url = try context.render(template)
                do {
                    let response = try await context.http.send(HTTPRequest(url: url.text, timeout: probeTimeout))
                    if status.contains(response.status) {
                        return StepRun(outcome: .ok, fields: ["stdout": "\(response.status)", "status": "\(response.status)",
                                                              "attempts": "\(attempts)"])
                    }
                    last = "answered \(response.status)"
                } catch {
                    last = context.masker.mask("\(error)")
                }
            case .tcp(let template):
                let address = try context.render(template).text
                guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
                    throw context.failure("'tcp' must be host:port, found '\(address)'")
                }
                let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                let reason = await Task.detached { TCPProbe.connect(host: host, port: port, timeout: probeTimeout) }.value
                guard let reason else { return StepRun(outcome: .ok, fields: ["attempts": "\(attempts)"]) }
                last = reason
            }
            if clock.now.advanced(by: interval) >= deadline {
                return StepRun(outcome: .failed, failure: "\(try describe(in: context)) not ready after \(DurationText.format(within)) (\(attempts) attempts; last: \(last))")
            }
            try await Task.sleep(for: interval)
        }
    }
}
