import Foundation
import TestSupport
import Testing

/// `rollout run --resume` end to end against a real loopback sshd: the runner is SIGKILLed while
/// a long `shell` step runs (nothing of it can clean up: the lock stays held, the record ends
/// mid-step), then the run is continued from the record on the host.
@Suite(.serialized) struct ResumeRunTests {
    /// One host with an `.env` at r1 and an `app.conf`: set r2, a long step, an upload, a smoke
    /// test that fails under `--var fail=yes` (a variable, so the playbook's hash is the same).
    func sandbox(smokeTest: String = "test \"{{ fail }}\" = no") async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.seed(host: 0, ".env", contents: "APP_REVISION=r1\n", mode: 0o600)
        try sandbox.seed(host: 0, "app.conf", contents: "listen old\n", mode: 0o644)
        try writePlaybook(in: sandbox, smokeTest: smokeTest)
        return sandbox
    }

    func writePlaybook(in sandbox: DeploySandbox, smokeTest: String = "test \"{{ fail }}\" = no") throws {
        let host = sandbox.hostDirectory(0).path
        try sandbox.write(
            "deploy.yml",
            """
            name: resumable
            inventory: inventory.yml
            state_dir: "\(host)/state"
            vars:
              fail: "no"
            steps:
              - set_env: { file: "\(host)/.env", values: { APP_REVISION: r2 } }
              - name: Long migration
                shell: touch "\(host)/migration-started"; sleep 2; echo finished > "\(host)/migration-done"
              - upload: { content: "listen new\\n", dest: "\(host)/app.conf", mode: "0640" }
              - name: Smoke test
                shell: \(smokeTest)
            """)
    }

    /// Starts `rollout run`, SIGKILLs it while the long step runs, and returns the run's ID once
    /// the host's journal records the end of that step (its command outlives the runner).
    func killMidRun(_ sandbox: DeploySandbox) async throws -> String {
        let host = sandbox.hostDirectory(0)
        let killed = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"]) { process in
            let started = host.appendingPathComponent("migration-started").path
            let deadline = Date().addingTimeInterval(30)
            while !FileManager.default.fileExists(atPath: started), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            process.send(SIGKILL)
        }
        #expect(killed.status == 128 + SIGKILL, "\(killed.all)")
        let runs = host.appendingPathComponent("state/runs")
        let journal = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first { $0.hasSuffix(".jsonl") })
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOf: runs.appendingPathComponent(journal), encoding: .utf8)) ?? ""
            if text.contains("\"event\":\"step_ended\",\"index\":1,") { break }
            try await Task.sleep(for: .seconds(0.1))
        }
        #expect(FileManager.default.fileExists(atPath: host.appendingPathComponent("state/lock").path), "the killed runner left its lock")
        return String(journal.prefix { $0 != "." })
    }

    @Test func aRunKilledMidStepAndResumedEndsAsAFullRunWould() async throws {
        let reference = try await sandbox()
        let full = try await reference.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(full.status == 0, "\(full.all)")

        let sandbox = try await sandbox()
        let runID = try await killMidRun(sandbox)
        let history = try await sandbox.rollout(["history", "deploy.yml", "-e", "sandbox"])
        #expect(history.stdout.contains("\(runID)  running"), "\(history.all)")

        let resumed = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--resume", runID, "--json", "resume.jsonl"])
        #expect(resumed.status == 0, "\(resumed.all)")
        #expect(resumed.stdout.contains("run \(runID)"), "\(resumed.all)")
        #expect(resumed.stdout.contains("resuming run \(runID) on h0: from step 3"), "\(resumed.all)")
        #expect(!resumed.stdout.contains("2/4 Long migration —"), "the long step is not run again")
        // The machine-readable report: the same run, resumed on h0.
        let report = try String(contentsOf: sandbox.root.appendingPathComponent("resume.jsonl"), encoding: .utf8)
        #expect(report.contains("\"event\":\"run_started\"") && report.contains("\"run_id\":\"\(runID)\""), "\(report)")
        let resumedLine = report.split(separator: "\n").first { $0.contains("\"event\":\"run_resumed\"") }
        #expect(resumedLine?.contains("\"host\":\"h0\",\"from\":\"from step 3 ") == true, "\(report)")

        for file in [".env", "app.conf", "migration-done"] {
            #expect(try sandbox.snapshot(host: 0, file) == (try reference.snapshot(host: 0, file)), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("state/lock").path))
        // One run, resumed: one line in the history, succeeded, every step changed.
        let after = try await sandbox.rollout(["history", "deploy.yml", "-e", "sandbox"])
        let lines = after.stdout.split(separator: "\n").filter { $0.contains("T") && $0.contains("Z-") }
        #expect(lines.count == 1, "\(after.all)")
        #expect(lines.first?.contains("\(runID)  succeeded") == true, "\(after.all)")
        #expect(lines.first?.contains("4 steps, 4 changed, resumed ") == true, "\(after.all)")
    }

    @Test func aChangedPlaybookIsRefusedNamingTheStepAndAFailureAfterResumingUndoesTheWholeRun() async throws {
        let sandbox = try await sandbox()
        let runID = try await killMidRun(sandbox)

        try writePlaybook(in: sandbox, smokeTest: "test -s \"\(sandbox.hostDirectory(0).path)/app.conf\"")
        let refused = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--resume", runID])
        #expect(refused.status == 2, "\(refused.all)")
        #expect(refused.all.contains("the playbook changed since run \(runID) started"), "\(refused.all)")
        #expect(refused.all.contains("step 4 'Smoke test' changed"), "\(refused.all)")
        #expect(String(decoding: try sandbox.snapshot(host: 0, "app.conf").bytes, as: UTF8.self) == "listen old\n", "nothing ran")

        // Back to the playbook the run started with; the smoke test fails this time.
        try writePlaybook(in: sandbox)
        let failed = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--resume", runID, "--var", "fail=yes"])
        #expect(failed.status == 1, "\(failed.all)")
        // The upload after the stop and the .env edit before it are both undone, newest first.
        let undone = failed.stdout.split(separator: "\n").filter { $0.contains("] undo ") }.map(String.init)
        #expect(undone.count == 2, "\(failed.all)")
        #expect(undone.first?.contains("3/4 upload") == true, "\(failed.all)")
        #expect(undone.last?.contains("1/4 set_env") == true, "\(failed.all)")
        #expect(String(decoding: try sandbox.snapshot(host: 0, ".env").bytes, as: UTF8.self) == "APP_REVISION=r1\n")
        #expect(String(decoding: try sandbox.snapshot(host: 0, "app.conf").bytes, as: UTF8.self) == "listen old\n")
        let history = try await sandbox.rollout(["history", "deploy.yml", "-e", "sandbox"])
        #expect(history.stdout.contains("\(runID)  rolled_back"), "\(history.all)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("state/lock").path))
    }
}
