import Foundation
import RolloutKit
import TestSupport
import Testing

/// `notify:` as a user sees it from the built `rollout run` on this machine (`address: local`):
/// webhooks get a Slack-compatible JSON body on success and on rollback, the webhook URL (a
/// secret) is never printed, and a webhook that fails changes nothing about the exit status.
@Suite("notify: webhooks told how a run ended")
struct NotifyTests {
    func project(steps: String, notify: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(
            """
            environments:
              test:
                hosts:
                  here: { address: local }
            """.utf8
        ).write(to: directory.appendingPathComponent("inventory.yml"))
        try Data(
            """
            name: notified
            inventory: inventory.yml
            secrets:
              chat: { env: CHAT_WEBHOOK }
              broken: { env: BROKEN_WEBHOOK }
            notify:
            \(notify)
            steps:
            \(steps)
            """.utf8
        ).write(to: directory.appendingPathComponent("deploy.yml"))
        return directory
    }

    func recorded(_ server: LoopbackHTTPServer, _ name: String) async throws -> [[String: Any]] {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(server.baseURL)/recorded/\(name)"))
        return try response.bodyText.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("success and rollback are posted; the webhook URL never shows")
    func successAndRollbackArePosted() async throws {
        let server = try await LoopbackHTTPServer()
        let url = "\(server.baseURL)/record/chat"
        let directory = try project(
            steps: "  - shell: \"test \\\"{{ fail }}\\\" != yes\"\n",
            notify: "  - url: \"{{ secrets.chat }}\"\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["CHAT_WEBHOOK": url, "BROKEN_WEBHOOK": "unused"]

        let good = try await RolloutCLI.run(["run", "deploy.yml", "-e", "test", "--var", "fail=no"], in: directory, environment: environment)
        #expect(good.status == 0, "\(good.all)")
        let bad = try await RolloutCLI.run(["run", "deploy.yml", "-e", "test", "--var", "fail=yes"], in: directory, environment: environment)
        #expect(bad.status == 1, "\(bad.all)")

        let bodies = try await recorded(server, "chat")
        #expect(bodies.count == 2)
        let outcomes = bodies.compactMap { ($0["rollout"] as? [String: Any])?["outcome"] as? String }
        #expect(outcomes == ["success", "rollback"])
        #expect((bodies.first?["text"] as? String)?.contains("rollout: deployed notified on test") == true, "\(bodies)")
        #expect((bodies.last?["text"] as? String)?.contains("was rolled back") == true, "\(bodies)")
        for output in [good, bad] {
            #expect(!output.all.contains(url), "the webhook URL was printed")
            #expect(!output.all.contains("/record/chat"))
        }
        let records = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(".rollout/runs").path)
        for name in records {
            let text = try String(contentsOf: directory.appendingPathComponent(".rollout/runs/\(name)"), encoding: .utf8)
            #expect(!text.contains("/record/chat"), "the webhook URL is in the run record \(name)")
        }
    }

    @Test("a webhook that fails is a masked warning, and the exit status is the deploy's")
    func failingWebhookDoesNotChangeTheExitStatus() async throws {
        let server = try await LoopbackHTTPServer()
        let refused = "http://127.0.0.1:\(try closedLoopbackPort())/hook-secret-path"
        let rejecting = "\(server.baseURL)/reject"
        let directory = try project(
            steps: "  - shell: \"true\"\n",
            notify: "  - url: \"{{ secrets.chat }}\"\n  - url: \"{{ secrets.broken }}\"\n    on: [success, failure]\n")
        defer { try? FileManager.default.removeItem(at: directory) }

        let output = try await RolloutCLI.run(
            ["run", "deploy.yml", "-e", "test"], in: directory, environment: ["CHAT_WEBHOOK": refused, "BROKEN_WEBHOOK": rejecting])
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stderr.contains("rollout: warning: notify webhook 'chat' failed"), "\(output.stderr)")
        #expect(output.stderr.contains("rollout: warning: notify webhook 'broken' answered 400: bad hash"), "\(output.stderr)")
        #expect(output.stderr.contains("the deploy's outcome stands"))
        #expect(!output.all.contains("hook-secret-path"))
        #expect(!output.all.contains(server.baseURL))
    }

    @Test("lint refuses a webhook URL written in the playbook")
    func literalURLIsRefused() async throws {
        let directory = try project(steps: "  - shell: \"true\"\n", notify: "  - url: https://hooks.slack.com/services/T0/B0/XYZ\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try await RolloutCLI.run(["lint", "deploy.yml"], in: directory)
        #expect(output.status == 2)
        #expect(output.stderr.contains("'url' of notify must be one secret, like \"{{ secrets.slack_webhook }}\""), "\(output.stderr)")
    }
}
