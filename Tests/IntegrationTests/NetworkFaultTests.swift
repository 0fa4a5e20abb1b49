import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Network faults between the runner and its host. This kernel has no netem, so loss and resets
/// are nftables rules (`numgen random` drops, `reject with tcp reset`) in a network namespace
/// the test creates, with sshd and `rollout` both inside it on its loopback; a delay is a
/// userspace proxy that holds back what the server sends. Each is judged by the target's
/// fingerprint (`.env` bytes and mode, revision, lock) before and after.
@Suite(.serialized, .enabled(if: NetworkNamespace.unavailableReason == nil, "\(NetworkNamespace.unavailableReason ?? "")"))
struct NetworkFaultTests {
    let faults: FaultSuiteTests

    init() async {
        faults = await FaultSuiteTests()
    }

    /// One in ten packets lost each way between the runner and sshd: TCP retransmits, the
    /// deploy runs, its last step fails, and the undo over the same lossy link puts everything
    /// back.
    @Test func packetLossSlowsTheRunButLosesNothing() async throws {
        let namespace = try NetworkNamespace("loss")
        let host = try await SSHTestHost.start(name: "loss", namespace: namespace.name)
        defer { try? host.stop() }
        let sandbox = try faults.target(try DeploySandbox(hosts: [host]))
        try sandbox.write("faults.yml", faults.playbook(sandbox, "  - shell: exit 3"))
        let before = try faults.fingerprint(sandbox)
        try namespace.nft(
            """
            table inet faults {
              chain out {
                type filter hook output priority 0;
                tcp dport \(host.port) numgen random mod 100 < 10 counter drop
                tcp sport \(host.port) numgen random mod 100 < 10 counter drop
              }
            }
            """)
        let output = try await sandbox.rollout(["run", "faults.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(try faults.fingerprint(sandbox) == before)
        // The rules did drop packets: the run went through a lossy link.
        let rules = try namespace.exec(["/usr/sbin/nft", "list", "chain", "inet", "faults", "out"])
        let dropped = rules.split(separator: "\n").compactMap { line in
            line.range(of: "counter packets ").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
        }
        #expect(dropped.count == 2 && dropped.reduce(0, +) > 0, "\(rules)")
    }

    /// The runner's connection is reset while a long command runs (every packet it sends on it
    /// is answered with a TCP reset; new connections pass): the step's outcome is unknown, the
    /// command is ended over a new connection, and the run is undone.
    @Test func aResetMidCommandEndsTheCommandAndUndoesTheRun() async throws {
        let namespace = try NetworkNamespace("reset")
        let host = try await SSHTestHost.start(name: "reset", namespace: namespace.name)
        defer { try? host.stop() }
        let sandbox = try faults.target(try DeploySandbox(hosts: [host]))
        let dir = sandbox.hostDirectory(0).path
        try sandbox.write(
            "faults.yml",
            faults.playbook(
                sandbox,
                """
                  - name: Long command
                    shell:
                      run: echo $$ > "\(dir)/writer.pid"; while :; do echo tick; echo tick >> "\(dir)/ticks"; sleep 0.1; done
                      undo: "true"
                """))
        defer { FaultSuiteTests.killGroup(recordedIn: "\(dir)/writer.pid") }
        let before = try faults.fingerprint(sandbox)
        var reset: [Int] = []
        let output = try await sandbox.rollout(["run", "faults.yml", "-e", "sandbox"]) { _ in
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, ((try? String(contentsOfFile: "\(dir)/ticks", encoding: .utf8))?.count ?? 0) < "tick\n".count * 3 {
                Thread.sleep(forTimeInterval: 0.05)
            }
            reset = (try? namespace.clientPorts(connectedTo: host.port)) ?? []
            let rules = reset.map { "    tcp sport \($0) reject with tcp reset" }.joined(separator: "\n")
            try namespace.nft("table inet faults {\n  chain out {\n    type filter hook output priority 0;\n\(rules)\n  }\n}\n")
        }
        #expect(!reset.isEmpty, "no connection to reset")
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("UNKNOWN"), "\(output.stdout)")
        #expect(try faults.fingerprint(sandbox) == before)
        let ticks = try FileManager.default.attributesOfItem(atPath: "\(dir)/ticks")[.size] as? Int
        try await Task.sleep(for: .seconds(0.4))
        #expect(try FileManager.default.attributesOfItem(atPath: "\(dir)/ticks")[.size] as? Int == ticks, "the command still writes")
    }

    /// What the host sends arrives 2 s late while a step runs: a slow link is not a failure.
    /// The step runs once, the run finishes, and the deploy stands.
    @Test func aTwoSecondDelayIsNotAFailureAndRunsNothingTwice() async throws {
        let host = try await SSHTestHost.start(name: "delay")
        defer { try? host.stop() }
        let proxy = try await DelayingTCPProxy(to: host.port, delay: .seconds(2))
        let sandbox = try faults.target(try DeploySandbox(hosts: [host]))
        try sandbox.reach(host: 0, through: proxy.port)
        let dir = sandbox.hostDirectory(0).path
        try sandbox.write(
            "faults.yml",
            faults.playbook(
                sandbox,
                """
                  - name: Count the runs
                    shell: echo ran >> "\(dir)/runs"; touch "\(dir)/started"; sleep 0.5; echo done
                """))
        let before = try faults.fingerprint(sandbox)
        let started = ContinuousClock.now
        let output = try await sandbox.rollout(["run", "faults.yml", "-e", "sandbox"]) { _ in
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, !FileManager.default.fileExists(atPath: "\(dir)/started") {
                Thread.sleep(forTimeInterval: 0.02)
            }
            proxy.slow()
            Thread.sleep(forTimeInterval: 2.5)
            proxy.resume()
        }
        #expect(output.status == 0, "\(output.all)")
        #expect(ContinuousClock.now - started > .seconds(2), "the delay did not apply")
        #expect(try String(contentsOfFile: "\(dir)/runs", encoding: .utf8) == "ran\n")
        let after = try faults.fingerprint(sandbox)
        #expect(after.env.bytes == Data("APP_REVISION=r2\nAPI_KEY=k1\n".utf8))
        #expect(after.env.mode == before.env.mode)
        #expect(after.revision == "r2\n")
        #expect(!after.locked)
    }
}
