import Foundation

/// Waits until an HTTP URL answers with an expected status, or a TCP port accepts connections.
/// `wait_for: { url: "{{ base_url }}/health", within: 60s }` or `wait_for: { tcp: "127.0.0.1:5432" }`.
/// Probes from the machine running rollout by default, or from the host itself with
/// `from: host` (a port bound to the host's loopback, an app behind its firewall). No undo.
public struct WaitForStep: Step {
    public static let kind = "wait_for"
    public static let options: [OptionSpec] = [
        OptionSpec("url", .text, "HTTP(S) URL."),
        OptionSpec("tcp", .text, "host:port."),
        OptionSpec("status", .numbers, "Acceptable statuses for url. Default 200."),
        OptionSpec("within", .duration, "Give up after. Default 60s."),
        OptionSpec("interval", .duration, "Pause between attempts. Default 1s."),
        OptionSpec("from", .choice(origins), "Where the probes start: local (this machine, the default) or host."),
    ]
    /// Where the probes start: `local` (the machine running rollout, the default) or `host`.
    static let origins = ["local", "host"]

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
    /// True with `from: host`: the host probes, in one command for all attempts.
    public var fromHost: Bool

    public init?(options: OptionReader, context: StepDecodingContext) {
        options.exactlyOne(of: ["url", "tcp"])
        let url = options.template("url")
        let tcp = options.template("tcp")
        status = options.ints("status", in: 100...599) ?? [200]
        within = options.duration("within") ?? .seconds(60)
        interval = options.duration("interval") ?? .seconds(1)
        fromHost = options.choice("from", Self.origins) == "host"
        if let tcp, tcp.isLiteral, tcp.source.split(separator: ":").last.flatMap({ Int($0) }) == nil {
            options.error("'tcp' must be 'host:port', found '\(tcp.source)'", at: "tcp")
        }
        if tcp != nil, options.has("status") { options.error("'status' applies only to 'url'", at: "status") }
        if let url { target = .http(url) } else if let tcp { target = .tcp(tcp) } else { return nil }
    }

    public var mutates: Bool { false }

    public var summary: String {
        switch target {
        case .http(let url): "wait for \(url.shortened)" + (fromHost ? " from the host" : "")
        case .tcp(let address): "wait for \(address.shortened)" + (fromHost ? " from the host" : "")
        }
    }
}

extension WaitForStep: RunnableStep {
    public func plan(in context: StepContext) async throws -> StepPlan {
        let origin = fromHost ? "probed from \(context.host.name)" : "probed from this machine"
        return StepPlan(["\(try describe(in: context)) within \(DurationText.format(within)), \(origin)"], changes: .none)
    }

    private func describe(in context: StepContext) throws(StepError) -> String {
        switch target {
        case .http(let url): "HTTP \(status.map(String.init).joined(separator: " or ")) from \(try context.render(url).masked)"
        case .tcp(let address): "TCP connection to \(try context.render(address).masked)"
        }
    }

    /// Probes from the machine running rollout until the target answers or `within` passes.
    public func run(in context: StepContext) async throws -> StepRun {
        if fromHost { return try await runOnHost(in: context) }
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
                        return StepRun(
                            outcome: .ok,
                            fields: [
                                "stdout": "\(response.status)", "status": "\(response.status)",
                                "attempts": "\(attempts)",
                            ])
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
                return StepRun(
                    outcome: .failed,
                    failure: "\(try describe(in: context)) not ready after \(DurationText.format(within)) (\(attempts) attempts; last: \(last))")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// Probes from the host in one command that loops until ready or `within` passes: one round
    /// trip however many attempts. The target travels in the environment, never on a command
    /// line (a URL may carry a token): curl reads its URL from a config on stdin, which `printf`,
    /// a shell builtin, writes. Each probe gets what is left of `within`, at most 10 s.
    private func runOnHost(in context: StepContext) async throws -> StepRun {
        let seconds = Int(within.components.seconds) + (within.components.attoseconds > 0 ? 1 : 0)
        let pause = String(format: "%.3f", interval.milliseconds / 1000)
        var environment: [String: String] = [:]
        let probe: String
        switch target {
        case .http(let template):
            environment["ROLLOUT_WAIT_CURL_CONFIG"] = Self.curlConfig(url: try context.render(template).text)
            environment["ROLLOUT_WAIT_STATUS"] = status.map(String.init).joined(separator: " ")
            probe = """
                command -v curl >/dev/null 2>&1 || { echo "missing curl"; exit 2; }
                probe() { last=$(printf '%s\\n' "$ROLLOUT_WAIT_CURL_CONFIG" | curl -s -o /dev/null -w '%{http_code}' --max-time "$(probe_time)" -K - 2>/dev/null); \
                  case " $ROLLOUT_WAIT_STATUS " in *" $last "*) return 0;; esac; [ "$last" = 000 ] && last="no answer" || last="answered $last"; return 1; }
                """
        case .tcp(let template):
            let address = try context.render(template).text
            guard let colon = address.lastIndex(of: ":"), Int(address[address.index(after: colon)...]) != nil else {
                throw context.failure("'tcp' must be host:port, found '\(address)'")
            }
            environment["ROLLOUT_WAIT_HOST"] = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            environment["ROLLOUT_WAIT_PORT"] = String(address[address.index(after: colon)...])
            probe = """
                command -v bash >/dev/null 2>&1 || { echo "missing bash"; exit 2; }
                probe() { timeout "$(probe_time)" bash -c 'exec 3<>"/dev/tcp/$ROLLOUT_WAIT_HOST/$ROLLOUT_WAIT_PORT"' 2>/dev/null && return 0; last="connection refused or timed out"; return 1; }
                """
        }
        let script =
            probe + """

                probe_time() { left=$((end - $(date +%s))); [ "$left" -lt 1 ] && left=1; [ "$left" -gt 10 ] && left=10; echo "$left"; }
                end=$(( $(date +%s) + \(seconds) )); n=0; last=""
                while :; do
                  n=$((n + 1))
                  if probe; then echo "ready $n"; exit 0; fi
                  if [ "$(date +%s)" -ge "$end" ]; then echo "$n $last"; exit 1; fi
                  sleep \(pause)
                done
                """
        let result = try await context.run(RemoteCommand(script, environment: environment, timeout: within + .seconds(30)))
        let said = result.stdoutText.trimmingTrailingNewlines
        switch result.exitStatus {
        case 0:
            return StepRun(outcome: .ok, fields: ["attempts": String(said.split(separator: " ").last ?? "1")])
        case 2:
            let tool = said.replacingOccurrences(of: "missing ", with: "")
            throw context.failure(
                "\(tool) is not installed on \(context.host.name), which wait_for from: host needs",
                hint: "install \(tool) on the host, or probe from this machine (leave out from: host)")
        default:
            let parts = said.split(separator: " ", maxSplits: 1)
            let attempts = parts.first.map(String.init) ?? "?"
            let last = parts.count > 1 ? String(parts[1]) : said
            return StepRun(
                outcome: .failed,
                failure: context.masker.mask(
                    "\(try describe(in: context)) not ready from \(context.host.name) after \(DurationText.format(within)) (\(attempts) attempts; last: \(last))"
                ))
        }
    }

    /// A curl config that sets `url`: quoted, with the characters curl's config syntax
    /// escapes inside quotes escaped, so that any URL reads back exactly.
    static func curlConfig(url: String) -> String {
        var quoted = ""
        for character in url.unicodeScalars {
            switch character {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case "\u{0B}": quoted += "\\v"
            default: quoted.unicodeScalars.append(character)
            }
        }
        return "url = \"\(quoted)\""
    }
}
