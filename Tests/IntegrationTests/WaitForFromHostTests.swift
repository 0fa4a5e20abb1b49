import Foundation
import TestSupport
import Testing

/// `wait_for` with `from: host`: the probes run on the host (here a loopback sshd host), in one
/// command for all attempts.
@Suite(.serialized) struct WaitForFromHostTests {
    func sandbox(secrets: String = "{}", _ steps: (DeploySandbox) -> String) async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write(
            "deploy.yml",
            """
            name: wait-from-host
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            secrets: \(secrets)
            steps:
            \(steps(sandbox))
            """)
        return sandbox
    }

    @Test("an HTTP endpoint and a TCP port that answer the host pass")
    func readyTargetsPass() async throws {
        let server = try await LoopbackHTTPServer()
        let sandbox = try await sandbox { _ in
            """
              - name: App answers on the host
                wait_for: { url: "\(server.baseURL)/hello?q=a\\"b\\\\c", from: host, within: 10s, interval: 200ms }
              - name: Port open on the host
                wait_for: { tcp: "127.0.0.1:\(server.port)", from: host, within: 10s }
            """
        }
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("App answers on the host — ok"), "\(output.stdout)")
    }

    /// The URL holds a token: curl reads it from stdin, so `ps` never shows it. The app takes
    /// 30 s to answer and `within` is 3 s: the probe gives up when `within` does.
    @Test("a URL's secret is on no command line while the host probes, and a slow answer ends the wait after 'within'")
    func theURLStaysOffCommandLinesAndTheProbeStopsWithin() async throws {
        let server = try await LoopbackHTTPServer()
        let token = "wait-token-\(UUID().uuidString)"
        let sandbox = try await sandbox(secrets: "{ token: { env: WAIT_TOKEN } }") { _ in
            """
              - name: Slow app
                wait_for: { url: "\(server.baseURL)/slow?ms=30000&token={{ secrets.token }}", from: host, within: 3s }
                ignore_failure: true
            """
        }
        final class Sightings: @unchecked Sendable { var lines: [String] = [] }
        let sightings = Sightings()
        let start = Date()
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"], environment: ["WAIT_TOKEN": token]) { child in
            while ProcessTable.isRunning(child.pid) {
                sightings.lines += ProcessTable.commandLines().filter { $0.contains(token) }
                usleep(20_000)
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.all.contains("not ready from h0 after 3s ("), "\(output.all)")
        #expect(output.all.contains("last: no answer)"), "\(output.all)")
        #expect(sightings.lines.isEmpty, "\(sightings.lines)")
        #expect(!output.all.contains(token))
        #expect(elapsed < 9, "a 3 s wait took \(elapsed) s")
    }

    @Test("a port nothing listens on fails after 'within', naming the host, the attempts and the last answer")
    func aClosedPortFails() async throws {
        let closed = try closedLoopbackPort()
        let sandbox = try await sandbox { _ in
            """
              - name: Database port
                wait_for: { tcp: "127.0.0.1:\(closed)", from: host, within: 1s, interval: 200ms }
            """
        }
        let start = Date()
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        // Still closed when verified again after the rollback: a human is needed.
        #expect(output.status == 3, "\(output.all)")
        #expect(output.all.contains("TCP connection to 127.0.0.1:\(closed) not ready from h0 after 1s ("), "\(output.all)")
        #expect(output.all.contains("last: connection refused or timed out"), "\(output.all)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test("plan says where the probes start")
    func planSaysWhere() async throws {
        let sandbox = try await sandbox { _ in
            """
              - wait_for: { url: "http://127.0.0.1:9/health", from: host }
              - wait_for: { url: "http://127.0.0.1:9/health" }
            """
        }
        let output = try await sandbox.rollout(["plan", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
        #expect(output.all.contains("HTTP 200 from http://127.0.0.1:9/health within 1m, probed from h0"), "\(output.all)")
        #expect(output.all.contains("HTTP 200 from http://127.0.0.1:9/health within 1m, probed from this machine"), "\(output.all)")
    }
}
