import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The connection to a host is cut while a long command runs there (the sshd serving the
/// session is killed; the command, as after a cut cable, keeps running): `rollout run` ends the
/// command's process group over a new connection before it undoes anything, so nothing the old
/// command still writes lands on the restored host.
@Suite(.serialized) struct DroppedConnectionRunTests {
    @Test func aCutConnectionLeavesNoWriterBehindAndTheHostComesBackAsItWas() async throws {
        let host = try await SSHTestHost.start(name: "cut")
        defer { try? host.stop() }
        let sandbox = try DeploySandbox(hosts: [host])
        let dir = sandbox.hostDirectory(0)
        try sandbox.seed(host: 0, ".env", contents: "APP_REVISION=r1\n", mode: 0o600)
        try sandbox.write(
            "writer.yml",
            """
            name: writer
            inventory: inventory.yml
            state_dir: "\(dir.path)/state"
            steps:
              - set_env: { file: "\(dir.path)/.env", values: { APP_REVISION: r2 } }
              - name: Long writer
                shell:
                  run: echo $$ > "\(dir.path)/writer.pid"; while :; do echo tick >> "\(dir.path)/ticks"; sleep 0.1; done
                  undo: touch "\(dir.path)/undone"
            """)
        let before = try sandbox.snapshot(host: 0, ".env")
        let ticks = dir.appendingPathComponent("ticks").path
        let pidFile = dir.appendingPathComponent("writer.pid").path
        // Whatever happens, the writer does not outlive the test.
        defer {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                kill(-pid, SIGKILL)
            }
        }
        var dropped = 0
        let output = try await sandbox.rollout(["run", "writer.yml", "-e", "sandbox"]) { _ in
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, ((try? String(contentsOfFile: ticks, encoding: .utf8))?.count ?? 0) < "tick\n".count * 3 {
                Thread.sleep(forTimeInterval: 0.05)
            }
            dropped = (try? host.dropSessions()) ?? 0
        }
        #expect(dropped > 0, "no session to cut")
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("UNKNOWN"), "\(output.all)")
        // The message names the step's own command, not the undo record ahead of it.
        #expect(output.all.contains("while running `echo $$ >"), "\(output.all)")
        #expect(output.all.contains("restored"), "\(output.all)")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!ProcessTable.isRunning(pid), "the writer still runs")
        #expect(ProcessTable.members(ofGroup: pid).isEmpty, "part of the writer's process group still runs")
        let size = try FileManager.default.attributesOfItem(atPath: ticks)[.size] as? Int
        try await Task.sleep(for: .seconds(0.4))
        #expect(try FileManager.default.attributesOfItem(atPath: ticks)[.size] as? Int == size, "the file still grows")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("undone").path))
        #expect(try sandbox.snapshot(host: 0, ".env") == before)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state/lock").path))
    }
}
