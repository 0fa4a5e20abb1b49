import BillingCore
public import Foundation

/// What a webhook is told when a run ends: a Slack-compatible `text` line for people, and a
/// `rollout` object for machines. Built from the run's summary; every text is masked.
public struct RunNotification: Sendable {
    public var playbook: String
    public var environment: String
    public var runID: String
    public var outcome: NotifyTarget.Outcome
    public var summary: RunSummary
    public var duration: Duration

    public init(playbook: String, environment: String, runID: String, outcome: NotifyTarget.Outcome, summary: RunSummary, duration: Duration) {
        self.playbook = playbook
        self.environment = environment
        self.runID = runID
        self.outcome = outcome
        self.summary = summary
        self.duration = duration
    }

    /// The one line a chat shows.
    public var text: String {
        let took = ElapsedText.format(duration)
        let what = "\(playbook) on \(environment) (run \(runID), \(took))"
        let failed = summary.failed.first.map { " at '\($0.step.name)' on \($0.host)" } ?? ""
        switch outcome {
        case .success:
            return ":white_check_mark: rollout: deployed \(what)"
        case .rollback:
            return ":leftwards_arrow_with_hook: rollout: deploy failed\(failed) and was rolled back: \(what)"
        case .failure:
            let why = summary.notUndone.isEmpty ? summary.exitCode.description : "\(summary.notUndone.count) change(s) not undone, a human is needed"
            return ":rotating_light: rollout: deploy failed\(failed): \(why): \(what)"
        }
    }

    /// The JSON body, masked with `masker`.
    public func body(masker: SecretMasker) -> Data {
        func steps(_ list: [HostStep]) -> JSONValue {
            .array(list.map { .object([("host", .string(masker.mask($0.host))), ("step", .string(masker.mask($0.step.name)))]) })
        }
        let value: JSONValue = .object([
            ("text", .string(masker.mask(text))),
            (
                "rollout",
                .object([
                    ("playbook", .string(masker.mask(playbook))),
                    ("environment", .string(environment)),
                    ("run_id", .string(runID)),
                    ("outcome", .string(outcome.rawValue)),
                    ("exit_code", .int(Int64(summary.exitCode.rawValue))),
                    ("duration_ms", .int(Int64(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000))),
                    ("failed", steps(summary.failed)),
                    ("undone", steps(summary.undone)),
                    ("not_undone", steps(summary.notUndone)),
                ])
            ),
        ])
        return Data(value.serialized())
    }
}
