/// The `rollout-mark KEY=VALUE` lines a restart script prints about the service (systemd:
/// `before.MainPID`, `before.InvocationID`, `since`, `after.NRestarts`; compose: `compose`).
struct RestartMarks: Sendable, Equatable {
    static let prefix = "rollout-mark "
    private var values: [String: String] = [:]

    init() {}

    init(output: String) {
        for line in output.split(whereSeparator: \.isNewline) where line.hasPrefix(Self.prefix) {
            let pair = line.dropFirst(Self.prefix.count)
            guard let equals = pair.firstIndex(of: "=") else { continue }
            values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
    }

    func value(_ key: String) -> String? { values[key] }

    /// The host's time of the restart, in seconds since 1970.
    var since: String? { values["since"].flatMap { Int($0) }.map(String.init) }

    /// The restart's output without the marks, for messages.
    static func strip(_ output: String) -> String {
        output.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix(prefix) }.joined(separator: "\n")
    }
}
