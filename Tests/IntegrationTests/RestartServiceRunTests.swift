import Foundation
import TestSupport
import Testing

/// `restart_service` end to end: `rollout run` over a loopback sshd host restarts a program
/// under a real supervisord run by the host's login user, and waits for its health URL.
@Suite(.serialized) struct RestartServiceRunTests {
    /// One host with the app running at revision r1.
    func sandbox() async throws -> (DeploySandbox, SupervisedHTTPApp) {
        let sandbox = try await DeploySandbox(hostCount: 1)
        let app = try await SupervisedHTTPApp(
            in: sandbox.hostDirectory(0).appendingPathComponent("app"), user: sandbox.user, env: "# web\nAPP_REVISION=r1\n")
        return (sandbox, app)
    }

    /// Sets `values` in the app's .env, runs `restart` (a restart_service step), then a smoke
    /// test that fails when `fail` is "yes".
    func write(_ sandbox: DeploySandbox, _ app: SupervisedHTTPApp, values: String, restart: String) throws {
        try sandbox.write(
            "deploy.yml",
            """
            name: restart-test
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            vars:
              fail: "no"
            steps:
              - name: New settings
                set_env: { file: "\(app.directory.path)/.env", values: { \(values) } }
              - name: Restart web
                restart_service: \(restart)
              - name: Smoke test
                shell: test "{{ fail }}" = "no"
            """)
    }

    func supervisor(_ app: SupervisedHTTPApp, within: String = "10s", revision: String = "revision=r2") -> String {
        #"{ supervisor: web, supervisor_conf: "\#(app.config)", healthy_within: \#(within), health_url: "\#(app.healthURL)", expect_revision: "\#(revision)" }"#
    }

    @Test func aRestartPicksUpTheNewSettingsAndPassesItsHealthCheck() async throws {
        let (sandbox, app) = try await sandbox()
        try write(sandbox, app, values: "APP_REVISION: r2", restart: supervisor(app))
        let plan = try await sandbox.rollout(["plan", "deploy.yml", "-e", "sandbox"])
        #expect(plan.status == 0, "\(plan.all)")
        #expect(plan.stdout.contains("run: supervisorctl -c '\(app.config)' restart 'web'"), "\(plan.stdout)")
        #expect(plan.stdout.contains("then until \(app.healthURL) answers 200 with 'revision=r2' in the body"), "\(plan.stdout)")
        #expect(try app.health() == "revision=r1", "plan restarted the app")

        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("3/3 Smoke test"), "\(output.stdout)")
        #expect(try app.health() == "revision=r2")
    }

    @Test func anOldProcessStillAnsweringDoesNotPass() async throws {
        let (sandbox, app) = try await sandbox()
        // The .env change says r2 but the step expects r3: the app answers 200 all along.
        try write(sandbox, app, values: "APP_REVISION: r2", restart: supervisor(app, within: "2s", revision: "revision=r3"))
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("\(app.healthURL) did not answer 200 with 'revision=r3' within 2s of the restart"), "\(output.all)")
        #expect(output.all.contains("the old process may still be answering"), "\(output.all)")
        #expect(try app.health() == "revision=r1")
    }

    @Test func aServiceThatCrashesOnStartFailsWithItsLogAndIsPutBack() async throws {
        let (sandbox, app) = try await sandbox()
        let before = try sandbox.snapshot(host: 0, "app/.env")
        try write(sandbox, app, values: #"CRASH_ON_START: "yes""#, restart: supervisor(app, revision: "revision=r1"))
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        // The one-line reason, and the service's own last words from its log.
        #expect(output.all.contains("supervisorctl -c '\(app.config)' restart 'web' exited with status 7: web: ERROR (spawn error)"), "\(output.all)")
        #expect(output.all.contains("fatal: CRASH_ON_START=yes, the app refuses to start"), "\(output.all)")
        #expect(output.all.contains("ERROR boot failed"), "colour codes stripped: \(output.all)")
        #expect(!output.stdout.contains("3/3 Smoke test"))
        // The .env is back and the restart that undoes the step started the app on it.
        #expect(try sandbox.snapshot(host: 0, "app/.env") == before)
        #expect(try app.health() == "revision=r1")
    }

    @Test func aLaterFailureRestartsTheAppAfterTheEnvIsRestored() async throws {
        let (sandbox, app) = try await sandbox()
        let before = try sandbox.snapshot(host: 0, "app/.env")
        try write(sandbox, app, values: "APP_REVISION: r2", restart: supervisor(app))
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--var", "fail=yes"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("2/3 Restart web"), "\(output.stdout)")
        #expect(try sandbox.snapshot(host: 0, "app/.env") == before)
        // Undone newest first, the restart would have come before the .env was put back and the
        // app would still say r2.
        #expect(try app.health() == "revision=r1", "\(output.all)")
        let undoLines = output.stdout.split(separator: "\n").filter { $0.contains("undo") }
        let envUndo = undoLines.firstIndex { $0.contains("New settings") }
        let restartUndo = undoLines.firstIndex { $0.contains("Restart web") }
        #expect(envUndo != nil && restartUndo != nil && envUndo! < restartUndo!, "\(output.stdout)")
    }

    @Test func aCustomCommandIsRunAndItsStatusCommandAwaited() async throws {
        let (sandbox, app) = try await sandbox()
        let dir = app.directory.path
        // The command returns at once; the status command succeeds a second later.
        try write(
            sandbox, app, values: "APP_REVISION: r2",
            restart: """
                { command: "rm -f \(dir)/ready && supervisorctl -c \(app.config) restart web >/dev/null && { (sleep 1; touch \(dir)/ready) >/dev/null 2>&1 </dev/null & }", status_command: "test -f \(dir)/ready", healthy_within: 10s, health_url: "\(app.healthURL)", expect_revision: revision=r2 }
                """)
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
        #expect(try app.health() == "revision=r2")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/ready"))

        try write(
            sandbox, app, values: "APP_REVISION: r3",
            restart: """
                { command: "true", status_command: "test -f \(dir)/never", healthy_within: 2s }
                """)
        let failed = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        // The undo restarts with the same command and waits again, in vain: the host is not restored.
        #expect(failed.status == 3, "\(failed.all)")
        #expect(failed.all.contains("test -f \(dir)/never did not succeed within 2s of the restart (last: exited with status 1)"), "\(failed.all)")
    }
}
