import Foundation
import Testing

@testable import RolloutKit

/// The commands `restart_service` sends for each manager and how it reads their answers.
/// systemd and compose also run for real in IntegrationTests (SystemdRunTests); pm2 cannot run
/// here, so for it these tests are all there is.
struct RestartServiceStepTests {
    func control(_ target: ServiceControl.Target, sudo: Bool = false) -> ServiceControl {
        ServiceControl(target: target, sudo: sudo)
    }

    func status(exit: Int32, _ stdout: String) -> CommandResult {
        CommandResult(exitStatus: exit, stdout: Array(stdout.utf8))
    }

    @Test func systemdCommands() {
        let systemd = control(.systemd("billing app"), sudo: true)
        #expect(systemd.restartCommand == "sudo -n systemctl restart 'billing app'")
        let script = systemd.restartScript(undoing: false)
        #expect(script.contains("sudo -n systemctl daemon-reload"))
        #expect(script.contains("sudo -n systemctl reset-failed -- 'billing app'"))
        #expect(!script.contains("\"NeedDaemonReload=yes$("), "a run reloads only when the unit changed")
        #expect(systemd.restartScript(undoing: true).contains("\"NeedDaemonReload=yes$("), "an undo always reloads")
        #expect(
            systemd.statusScript == "systemctl show -p ActiveState -p SubState -p Result -p MainPID -p NRestarts -p InvocationID -- 'billing app'")
        #expect(systemd.logScript(lines: 30) == "sudo -n journalctl -u 'billing app' -n 30 --no-pager -o short-iso")
        let marks = RestartMarks(
            output:
                "rollout-mark before.MainPID=100\nrollout-mark before.InvocationID=aa\nrollout-mark since=1764260000\nrollout-mark after.NRestarts=0\n"
        )
        #expect(systemd.logScript(lines: 30, marks: marks) == "sudo -n journalctl -u 'billing app' --since @1764260000 -n 30 --no-pager -o short-iso")
        #expect(RestartMarks.strip("restarted\nrollout-mark since=1\n") == "restarted\n")
    }

    @Test func systemdStatusTellsTheNewProcessFromTheOldAndFailsFast() {
        let marks = RestartMarks(output: "rollout-mark before.MainPID=100\nrollout-mark before.InvocationID=aa\nrollout-mark after.NRestarts=0\n")
        func show(_ active: String, _ sub: String, pid: String, restarts: String = "0", invocation: String = "bb", result: String = "success")
            -> String
        {
            "ActiveState=\(active)\nSubState=\(sub)\nResult=\(result)\nMainPID=\(pid)\nNRestarts=\(restarts)\nInvocationID=\(invocation)\n"
        }
        #expect(
            ServiceControl.systemdStatus(show("active", "running", pid: "200"), marks: marks) == .running("active (running), MainPID 200", pid: "200")
        )
        // The old process (same invocation, same PID) is not a restart.
        #expect(
            ServiceControl.systemdStatus(show("active", "running", pid: "100", invocation: "aa"), marks: marks)
                == .waiting("active (running), still the process from before the restart"))
        #expect(
            ServiceControl.systemdStatus(show("active", "running", pid: "100"), marks: marks)
                == .waiting("active (running), MainPID 100 is the process from before the restart"))
        #expect(ServiceControl.systemdStatus(show("activating", "start", pid: "0"), marks: marks) == .waiting("activating (start)"))
        #expect(
            ServiceControl.systemdStatus(show("failed", "failed", pid: "0", result: "exit-code"), marks: marks)
                == .failed("systemd says the unit failed (Result=exit-code)"))
        // Restart=always: the counter climbs, or the main process seen running is replaced.
        #expect(
            ServiceControl.systemdStatus(show("activating", "auto-restart", pid: "0", restarts: "2"), marks: marks)
                == .failed("systemd restarted it 2 times since the restart (NRestarts 0 → 2): its new process keeps exiting"))
        #expect(
            ServiceControl.systemdStatus(show("active", "running", pid: "300"), marks: marks, firstRunningPID: "200")
                == .failed("its main process changed from 200 to 300 since it started: it exited and systemd started it again"))
        #expect(ServiceControl.systemdStatus("", marks: marks) == .waiting(""))
    }

    @Test func supervisorCommandsNameTheConfig() {
        let supervisor = control(.supervisor("web", config: "~/sv/supervisord.conf"))
        #expect(supervisor.restartCommand == #"supervisorctl -c "$HOME"/'sv/supervisord.conf' restart 'web'"#)
        #expect(supervisor.statusScript == #"supervisorctl -c "$HOME"/'sv/supervisord.conf' status 'web'"#)
        #expect(control(.supervisor("web", config: nil), sudo: true).restartCommand == "sudo -n supervisorctl restart 'web'")
        let logs = control(.supervisor("web", config: "/etc/sv.conf")).logScript(lines: 5)
        // The log files as supervisord names them, read directly; `supervisorctl tail` only where that fails.
        #expect(logs?.contains("getProcessInfo") == true)
        #expect(logs?.contains("-c '/etc/sv.conf' 'web'") == true)
        #expect(logs?.contains("supervisorctl -c '/etc/sv.conf' tail -65536 'web' stderr") == true)
        #expect(logs?.hasSuffix("| tail -n 5") == true)
    }

    @Test func supervisorStatusIsReadFromTheProgramsLine() {
        let supervisor = control(.supervisor("web", config: nil))
        #expect(supervisor.status(from: status(exit: 0, "web                              RUNNING   pid 21894, uptime 0:00:02\n")).running)
        let fatal = supervisor.status(
            from: status(exit: 3, "web                              FATAL     Exited too quickly (process log may have details)\n"))
        #expect(!fatal.running)
        #expect(fatal.state == "FATAL Exited too quickly (process log may have details)")
        // Another program's line does not count, nor does a prefix of the name.
        #expect(!supervisor.status(from: status(exit: 0, "web2                             RUNNING   pid 1, uptime 0:00:02\n")).running)
        let missing = supervisor.status(from: status(exit: 4, "web: ERROR (no such process)\n"))
        #expect(!missing.running)
        #expect(missing.state.contains("no such process"))
    }

    @Test func pm2CommandsAndJList() {
        let pm2 = control(.pm2("api"))
        #expect(pm2.restartCommand == "pm2 restart 'api'")
        #expect(pm2.statusScript == "pm2 jlist")
        #expect(pm2.logScript(lines: 20) == "pm2 logs 'api' --lines 20 --nostream --raw 2>&1 | tail -n 20")
        let list = #"[{"pm_id":0,"name":"api","pm2_env":{"status":"online"}},{"pm_id":1,"name":"worker","pm2_env":{"status":"errored"}}]"#
        #expect(pm2.status(from: status(exit: 0, ">>>> In-memory PM2 is out-of-date\n" + list)).running)
        let worker = control(.pm2("worker")).status(from: status(exit: 0, list))
        #expect(!worker.running)
        #expect(worker.state == "errored")
        #expect(control(.pm2("0")).status(from: status(exit: 0, list)).running)
        #expect(control(.pm2("nope")).status(from: status(exit: 0, list)).state == "no pm2 process named nope")
        #expect(!pm2.status(from: status(exit: 1, "[PM2] Spawning PM2 daemon\n")).running)
    }

    @Test func dockerComposeCommandsAndBothPsFormats() {
        let compose = control(.dockerCompose(service: "web", file: "/srv/app/compose.yml", command: nil), sudo: true)
        #expect(compose.restartCommand == "sudo -n docker compose -f '/srv/app/compose.yml' up -d 'web'")
        // The host's compose command is found at restart: v2 first, then docker-compose, then podman-compose.
        let script = compose.restartScript(undoing: false)
        #expect(script.contains("if docker compose version >/dev/null 2>&1; then rollout_compose='docker compose'"))
        #expect(script.contains("elif command -v docker-compose"))
        #expect(script.contains("elif command -v podman-compose"))
        #expect(script.contains("sudo -n $rollout_compose -f '/srv/app/compose.yml' $rollout_up 'web' || exit"))
        #expect(
            control(.dockerCompose(service: "web", file: nil, command: "podman-compose -p billing"))
                .restartScript(undoing: false).hasPrefix("rollout_compose='podman-compose -p billing'\n"))
        #expect(compose.statusScript == "sudo -n docker compose -f '/srv/app/compose.yml' ps --all --format json 'web'")
        let v1 = RestartMarks(output: "rollout-mark compose=docker-compose\n")
        #expect(compose.statusScript(marks: v1) == "sudo -n docker-compose -f '/srv/app/compose.yml' ps 'web'")
        #expect(
            compose.logScript(lines: 7, marks: v1)?.contains(
                "$(sudo -n docker-compose -f '/srv/app/compose.yml' logs --no-color --tail 7 'web' 2>&1)") == true)
        let podman = RestartMarks(output: "rollout-mark compose=podman-compose\n")
        #expect(compose.statusScript(marks: podman) == "sudo -n podman-compose -f '/srv/app/compose.yml' ps")
        #expect(
            compose.logScript(lines: 7, marks: podman)?.contains("$(sudo -n podman-compose -f '/srv/app/compose.yml' logs --tail 7 'web' 2>&1)")
                == true)
        #expect(
            compose.logScript(lines: 7)?.contains("$(sudo -n docker compose -f '/srv/app/compose.yml' logs --no-color --tail 7 'web' 2>&1)") == true)
        #expect(control(.dockerCompose(service: "web", file: nil, command: nil)).restartCommand == "docker compose up -d 'web'")
        // Compose 2.21+: one object per line.
        let lines = #"{"Service":"web","State":"running","Health":""}"# + "\n" + #"{"Service":"web","State":"running","Health":"starting"}"#
        let starting = compose.status(from: status(exit: 0, lines))
        #expect(!starting.running)
        #expect(starting.state == "running, running (starting)")
        // Earlier versions: one array.
        #expect(compose.status(from: status(exit: 0, #"[{"Service":"web","State":"running","Health":"healthy"}]"#)).running)
        #expect(!compose.status(from: status(exit: 0, #"[{"Service":"web","State":"exited","Health":""}]"#)).running)
        #expect(compose.status(from: status(exit: 0, "")).state == "no container")
    }

    /// The tables of docker-compose 1.x and podman-compose, as they print them.
    @Test func composeTablesOfDockerCompose1AndPodmanCompose() {
        let v1 = """
               Name                Command             State             Ports
            ----------------------------------------------------------------------------
            app_web_1    python3 -u /app/app.py 8000   Up ()   127.0.0.1:48112->8000/tcp
            app_worker_1 python3 worker.py             Exit 3
            """
        #expect(ServiceControl.composeTableStatus(v1, service: "web") == .running("Up", pid: ""))
        #expect(ServiceControl.composeTableStatus(v1, service: "worker") == .failed("its container exited (3)"))
        #expect(ServiceControl.composeTableStatus("app_web_1  cmd  Up (health: starting)  ", service: "web") == .waiting("Up (health: starting)"))
        #expect(ServiceControl.composeTableStatus("app_web_1  cmd  Up (healthy)  ", service: "web") == .running("Up (healthy)", pid: ""))
        #expect(
            ServiceControl.composeTableStatus("app_web_1  cmd  Restarting  ", service: "web")
                == .failed("its container is restarting: it keeps exiting"))
        let podman = """
            CONTAINER ID  IMAGE                      COMMAND               CREATED        STATUS                    PORTS                      NAMES
            5a1a53460287  localhost/webapp:1         python3 -u /app/a...  2 seconds ago  Up 2 seconds ago          127.0.0.1:48112->8000/tcp  billing_web_1
            6b2b53460287  localhost/webapp:1         python3 -u /app/a...  2 seconds ago  Exited (3) 1 second ago                              billing_web2_1
            """
        #expect(ServiceControl.composeTableStatus(podman, service: "web") == .running("Up 2 seconds ago", pid: ""))
        #expect(ServiceControl.composeTableStatus(podman, service: "web2") == .failed("its container exited (3)"))
        #expect(ServiceControl.composeTableStatus(podman, service: "db") == .waiting("no container"))
    }

    @Test func customCommandRunsAsWrittenAndItsStatusIsItsExitCode() {
        let custom = control(.command("cd /srv && ./restart.sh", status: "test -f /srv/ready"))
        #expect(custom.restartCommand == "cd /srv && ./restart.sh")
        #expect(custom.statusScript == "test -f /srv/ready")
        #expect(custom.logScript(lines: 20) == nil)
        #expect(custom.status(from: status(exit: 0, "")).running)
        #expect(!custom.status(from: status(exit: 1, "")).running)
        let withSudo = control(.command("./restart.sh", status: nil), sudo: true)
        #expect(withSudo.restartCommand == "sudo -n /bin/sh -c './restart.sh'")
        #expect(withSudo.statusScript == nil)
    }

    @Test func supervisorConfIsDecodedAndRefusedForOtherManagers() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            steps:
              - restart_service: { supervisor: web, supervisor_conf: /srv/sv/supervisord.conf }
              - restart_service: { systemd: web, 1️⃣supervisor_conf: /srv/sv/supervisord.conf }
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let result = fixture.load()
        let diagnostics = result.diagnostics.all
        #expect(diagnostics.count == 1, "\(diagnostics)")
        let diagnostic = try #require(result.diagnostics.first(containing: "'supervisor_conf' applies only to supervisor"))
        #expect(diagnostic.location == fixture["1️⃣"])

        let valid = try PlaybookFixture([
            "deploy.yml": "name: demo\ninventory: inventory.yml\nsteps:\n  - restart_service: { supervisor: web, supervisor_conf: /srv/sv.conf }\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let playbook = try #require(valid.load().loaded?.playbook)
        let step = try #require(playbook.steps.first?.step as? RestartServiceStep)
        #expect(step.supervisorConfig?.source == "/srv/sv.conf")
    }

    /// Podman has handed compose an empty log right after the container exited: the log is read
    /// once more when no line of the service's own output came back.
    @Test func anEmptyComposeLogIsReadAgain() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = dir.appendingPathComponent("compose").path
        let count = dir.appendingPathComponent("count").path
        try """
        echo x >> \(count)
        if [ $(wc -l < \(count)) -lt 2 ]; then printf 'Attaching to web_1\\nweb_1  | \\n'; else printf 'web_1  | fatal: no config\\n'; fi
        """.write(toFile: fake, atomically: true, encoding: .utf8)
        let compose = control(.dockerCompose(service: "web", file: nil, command: "sh \(fake)"))
        let script = try #require(compose.logScript(lines: 5))
        #expect(try ShellProcess.run(script).stdout == "web_1  | fatal: no config\n")
        #expect(try ShellProcess.run(script).stdout == "web_1  | fatal: no config\n")
        #expect(try String(contentsOfFile: count, encoding: .utf8).split(separator: "\n").count == 3)
    }
}

extension ServiceControl {
    /// The status of a result that holds no secret.
    fileprivate func status(from result: CommandResult) -> (running: Bool, state: String) {
        status(from: result, masker: .none)
    }
}
