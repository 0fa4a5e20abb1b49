import Foundation
import TestSupport
import Testing

/// `restart_service: systemd` against a real systemd: a Debian 12 container host with systemd
/// as PID 1 (`ContainerHost`), reached over SSH as `deploy` with `sudo: true` (or as root).
@Suite(.serialized) struct SystemdRunTests {
    /// A playbook that sets `values` in the app's .env, then restarts it under systemd.
    func write(_ sandbox: ContainerSandbox, _ app: SystemdHTTPApp, values: String, restart: String, before: String = "") throws {
        try sandbox.write(
            "deploy.yml",
            """
            name: systemd-\(app.unit)
            inventory: inventory.yml
            steps:
            \(before)
              - name: New settings
                set_env: { file: "\(app.directory)/.env", values: { \(values) } }
              - name: Restart web
                restart_service: \(restart)
            """)
    }

    func systemd(_ app: SystemdHTTPApp, sudo: Bool = true, within: String = "30s", revision: String = "revision=r2") -> String {
        #"{ systemd: \#(app.unit), sudo: \#(sudo), healthy_within: \#(within), health_url: "\#(app.healthURL)", expect_revision: "\#(revision)" }"#
    }

    @Test func aRestartStartsANewProcessThatServesTheNewRevision() async throws {
        let app = try SystemdHTTPApp(on: .shared, unit: "web-restart", env: "APP_REVISION=r1\n")
        let sandbox = try ContainerSandbox(hosts: [.shared], user: "deploy")
        let oldPID = try app.property("MainPID")
        try write(sandbox, app, values: "APP_REVISION: r2", restart: systemd(app))
        let plan = try await sandbox.rollout(["plan", "deploy.yml", "-e", "sandbox"])
        #expect(plan.stdout.contains("run: sudo -n systemctl restart 'web-restart'"), "\(plan.all)")
        #expect(plan.stdout.contains("until web-restart is active with a new main process"), "\(plan.all)")

        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
        #expect(try app.health() == "revision=r2")
        #expect(try app.property("ActiveState") == "active")
        #expect(try app.property("MainPID") != oldPID, "the old process still runs")
    }

    @Test func withoutSudoTheDeployUserIsRefusedAndToldWhy() async throws {
        let app = try SystemdHTTPApp(on: .shared, unit: "web-nosudo", env: "APP_REVISION=r1\n")
        let sandbox = try ContainerSandbox(hosts: [.shared], user: "deploy")
        try write(sandbox, app, values: "APP_REVISION: r2", restart: systemd(app, sudo: false))
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        // The undo cannot restart either: rollout says a human is needed.
        #expect(output.status == 3, "\(output.all)")
        #expect(output.all.contains("systemctl restart 'web-nosudo' exited with status"), "\(output.all)")
        #expect(output.all.contains("Failed to restart web-nosudo.service: Access denied"), "\(output.all)")
        #expect(output.all.contains("log in as root, or give it NOPASSWD sudo and set 'sudo: true'"), "\(output.all)")
        #expect(try app.health() == "revision=r1")
    }

    /// A new process that exits at start: the unit goes `failed` and the run stops at once,
    /// long before `healthy_within`, shows the unit's journal, and the undo (the .env put back,
    /// then a restart) leaves the previous revision serving from an active unit.
    @Test(arguments: [false, true]) func aUnitWhoseNewProcessCrashesFailsAtOnceWithItsJournal(restartAlways: Bool) async throws {
        let unit = restartAlways ? "web-crash-always" : "web-crash"
        let app = try SystemdHTTPApp(on: .shared, unit: unit, env: "APP_REVISION=r1\n", restartAlways: restartAlways)
        let sandbox = try ContainerSandbox(hosts: [.shared], user: "deploy")
        let oldPID = try app.property("MainPID")
        try write(sandbox, app, values: #"CRASH_ON_START: "yes""#, restart: systemd(app, within: "60s", revision: "revision=r1"))
        let started = Date()
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        let seconds = Date().timeIntervalSince(started)
        #expect(output.status == 1, "\(output.all)")
        // The whole run, undo included, is over in a few seconds of a 60 s health wait.
        #expect(seconds < 10, "took \(seconds) s: \(output.all)")
        if restartAlways {
            #expect(output.all.contains("systemd restarted it") || output.all.contains("its main process changed"), "\(output.all)")
        } else {
            #expect(output.all.contains("systemd says the unit failed (Result=exit-code)"), "\(output.all)")
        }
        // The unit's own journal since the restart: the app's last words and systemd's.
        #expect(output.all.contains("fatal: CRASH_ON_START=yes, the app refuses to start"), "\(output.all)")
        #expect(output.all.contains("\(unit).service: Main process exited, code=exited, status=3"), "\(output.all)")
        #expect(try app.health() == "revision=r1")
        #expect(try app.property("ActiveState") == "active")
        #expect(try app.property("MainPID") != oldPID)
        print("systemd crash at start (Restart=\(restartAlways ? "always" : "no")): rollout run exited 1 after \(String(format: "%.1f", seconds)) s")
    }

    /// `upload` of a changed unit file, then the restart: rollout reloads systemd (the unit
    /// changed on disk), the new unit fails, and the undo puts the previous unit file back,
    /// reloads again and serves the previous process.
    @Test func aChangedUnitFileIsReloadedAndPutBackWhenItFails() async throws {
        let app = try SystemdHTTPApp(on: .shared, unit: "web-unitfile", env: "APP_REVISION=r1\n")
        let sandbox = try ContainerSandbox(hosts: [.shared], user: "root")
        let before = try ContainerHost.shared.ssh("cat \(app.unitFile)")
        try sandbox.write("web.service", app.unitText(restartAlways: false, script: "missing.py"))
        try write(
            sandbox, app, values: "APP_REVISION: r2", restart: systemd(app, sudo: false, within: "30s"),
            before: """
                  - name: New unit
                    upload: { src: web.service, dest: "\(app.unitFile)", mode: "0644" }
                """)
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("missing.py"), "the journal shows the new unit ran: \(output.all)")
        #expect(try ContainerHost.shared.ssh("cat \(app.unitFile)") == before)
        #expect(try app.property("NeedDaemonReload") == "no")
        #expect(try app.health() == "revision=r1")
        #expect(try app.property("ActiveState") == "active")
    }
}
