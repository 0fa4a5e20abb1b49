import Foundation

/// Posts a `RunNotification` to the playbook's `notify:` webhooks once a run has ended. A
/// webhook that fails (refused, times out, answers outside 2xx) is reported as a warning and
/// never changes the run's outcome; URLs and answers are masked, since the URL is a secret.
public struct Notifier: Sendable {
    public var targets: [NotifyTarget]
    public var secrets: [String: Secret]
    public var masker: SecretMasker
    /// The longest one webhook may take.
    public var timeout: Duration

    public init(targets: [NotifyTarget], secrets: [String: Secret], masker: SecretMasker, timeout: Duration = .seconds(10)) {
        self.targets = targets
        self.secrets = secrets
        self.masker = masker
        self.timeout = timeout
    }

    /// Sends `notification` to every target that wants its outcome, all at once; returns one
    /// warning line per webhook that failed (for stderr).
    public func send(_ notification: RunNotification) async -> [String] {
        let chosen = targets.filter { $0.outcomes.contains(notification.outcome) }
        guard !chosen.isEmpty else { return [] }
        let body = notification.body(masker: masker)
        return await withTaskGroup(of: String?.self) { group in
            for target in chosen {
                group.addTask { await post(body, to: target) }
            }
            var warnings: [String] = []
            for await warning in group {
                if let warning { warnings.append(warning) }
            }
            return warnings.sorted()
        }
    }

    private func post(_ body: Data, to target: NotifyTarget) async -> String? {
        let name = "notify webhook '\(target.secret)'"
        guard let url = secrets[target.secret]?.revealedForTransport, !url.isEmpty else {
            return "rollout: warning: \(name) was not sent: the secret has no value"
        }
        let request = HTTPRequest(
            method: "POST", url: url, headers: [HTTPHeader("Content-Type", "application/json")],
            body: .bytes(body), timeout: timeout)
        do {
            let response = try await HTTPClient().send(request)
            guard (200..<300).contains(response.status) else {
                let answer = masker.mask(String(response.bodyText.prefix(200))).trimmingCharacters(in: .whitespacesAndNewlines)
                return "rollout: warning: \(name) answered \(response.status)\(answer.isEmpty ? "" : ": \(answer)"); the deploy's outcome stands"
            }
            return nil
        } catch {
            return "rollout: warning: \(name) failed: \(masker.mask(String(describing: error))); the deploy's outcome stands"
        }
    }
}
