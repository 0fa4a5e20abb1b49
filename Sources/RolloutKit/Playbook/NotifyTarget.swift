/// One `notify:` entry of a playbook: a webhook (its URL a secret, since a Slack or Teams
/// webhook URL is a credential) and the outcomes it is told about.
public struct NotifyTarget: Sendable, Hashable {
    /// How a run ended, as notifications name it.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// Every step ran (exit 0).
        case success
        /// A step failed (or the run was interrupted) and the previous state was restored (exit 1, 130).
        case rollback
        /// The rollback was incomplete, or the run could not start: locked, unreachable hosts (exit 3, 4, 5).
        case failure

        /// The outcome a run's exit status means; nil for invalid input (nothing was loaded to run).
        public init?(_ exitCode: RolloutExitCode) {
            switch exitCode {
            case .success: self = .success
            case .restored, .interrupted: self = .rollback
            case .invalidInput: return nil
            default: self = .failure
            }
        }
    }

    static let options: [OptionSpec] = [
        OptionSpec("url", .text, required: true, "The webhook URL, as a secret: \"{{ secrets.slack_webhook }}\"."),
        OptionSpec(
            "on", .either([.choice(Outcome.allCases.map(\.rawValue)), .list(.choice(Outcome.allCases.map(\.rawValue)))]),
            "success, failure, rollback, or a list of them. Default all three."),
    ]

    /// The secret holding the URL.
    public var secret: String
    public var outcomes: Set<Outcome>

    public init(secret: String, outcomes: Set<Outcome> = Set(Outcome.allCases)) {
        self.secret = secret
        self.outcomes = outcomes
    }

    /// Reads the playbook's `notify:` list, reporting every problem.
    static func read(_ reader: OptionReader, secrets: [SecretDeclaration]) -> [NotifyTarget] {
        guard let node = reader.node("notify") else { return [] }
        guard let items = node.items else {
            if !node.isNull {
                reader.sink.error(
                    "'notify' must be a list like [ { url: \"{{ secrets.slack_webhook }}\" } ], found \(node.kindDescription)", at: node.location)
            }
            return []
        }
        var targets: [NotifyTarget] = []
        for item in items {
            let entry = OptionReader(item, context: "a notify entry", allowed: options.names, sink: reader.sink)
            defer { entry.finish() }
            guard let url = entry.string("url", required: true) else { continue }
            guard let match = url.firstMatch(of: /^\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/) else {
                entry.error(
                    "'url' of notify must be one secret, like \"{{ secrets.slack_webhook }}\": a webhook URL is a credential, so it is read like one and masked",
                    at: "url")
                continue
            }
            let name = String(match.1)
            guard secrets.contains(where: { $0.name == name }) else {
                let suggestion =
                    NameSuggestion.closest(to: name, in: secrets.map(\.name)).map { "; did you mean '\($0)'?" } ?? "; declare it under secrets:"
                entry.error("notify uses secret '\(name)', which the playbook does not declare\(suggestion)", at: "url")
                continue
            }
            var outcomes = Set(Outcome.allCases)
            if let words = entry.strings("on") {
                outcomes = []
                for word in words {
                    if let outcome = Outcome(rawValue: word) {
                        outcomes.insert(outcome)
                    } else {
                        entry.error("'on' of notify takes success, failure or rollback, found '\(word)'", at: "on")
                    }
                }
            }
            targets.append(NotifyTarget(secret: name, outcomes: outcomes))
        }
        return targets
    }
}
