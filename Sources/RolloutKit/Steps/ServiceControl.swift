import Foundation

/// The shell commands that restart one service under its manager, ask whether it is running,
/// and read the end of its log; and how to read the manager's answer.
struct ServiceControl: Sendable, Hashable {
    /// A manager with every template rendered.
    enum Target: Sendable, Hashable {
        case systemd(String)
        /// A supervisord program, with the supervisord config to talk to (`supervisorctl -c`).
        case supervisor(String, config: String?)
        case pm2(String)
        /// A compose service, its compose file, and the compose command when the playbook names
        /// one (otherwise the first the host has: `docker compose`, `docker-compose`, `podman-compose`).
        case dockerCompose(service: String, file: String?, command: String?)
        /// A custom restart command, with the command whose success means "running".
        case command(String, status: String?)
    }

    var target: Target
    var sudo: Bool

    /// The restart as the user would type it, for plans and messages.
    var restartCommand: String {
        switch target {
        case .systemd(let name): manager("systemctl restart " + ShellWord.quote(name))
        case .supervisor(let name, _): supervisorctl("restart " + ShellWord.quote(name))
        case .pm2(let name): manager("pm2 restart " + ShellWord.quote(name))
        case .dockerCompose(let service, _, let command): compose(command ?? "docker compose", "up -d " + ShellWord.quote(service))
        case .command(let command, _): sudo ? "sudo -n /bin/sh -c " + ShellWord.quote(command) : command
        }
    }

    /// Runs the restart. For systemd it first reloads the unit files when one changed on disk
    /// (an `upload` of the unit), always when `undoing` (an undo puts back the previous unit
    /// file with its older mtime, which systemd does not count as a change), and clears a failed state (a crash loop that hit
    /// the start limit would refuse the restart that rolls it back), and reports the main process and invocation from
    /// before the restart, the host's time and the restart counter after it (`RestartMarks`),
    /// so that a look afterwards tells the new process from the old one and the journal is read
    /// from the restart on.
    func restartScript(undoing: Bool) -> String {
        if case .dockerCompose(let service, _, let command) = target { return composeUpScript(service: service, command: command) }
        guard case .systemd(let name) = target else { return restartCommand }
        let unit = ShellWord.quote(name)
        return """
            rollout_before=$(systemctl show -p MainPID -p InvocationID -- \(unit))
            rollout_since=$(date +%s)
            case "\(undoing ? "NeedDaemonReload=yes" : "")$(systemctl show -p NeedDaemonReload -p LoadState -- \(unit))" in
              *NeedDaemonReload=yes*|*LoadState=not-found*) \(manager("systemctl daemon-reload")) || exit ;;
            esac
            \(manager("systemctl reset-failed -- " + unit)) 2>/dev/null
            \(restartCommand) || exit
            printf '%s\\n' "$rollout_before" | sed 's/^/\(RestartMarks.prefix)before./'
            echo "\(RestartMarks.prefix)since=$rollout_since"
            systemctl show -p NRestarts -- \(unit) | sed 's/^/\(RestartMarks.prefix)after./'
            """
    }

    /// Finds the compose command (the playbook's, else the first the host has), then `up -d`s
    /// the service: Compose recreates its container when the image, the compose file or an env
    /// file changed, which a plain `restart` would not read. podman-compose 1.0 does not compare,
    /// so it is told to recreate. Prints the command it used as a mark for the later looks.
    private func composeUpScript(service: String, command: String?) -> String {
        let detect =
            command.map { "rollout_compose=\(ShellWord.quote($0))" } ?? """
                if docker compose version >/dev/null 2>&1; then rollout_compose='docker compose'
                elif command -v docker-compose >/dev/null 2>&1; then rollout_compose=docker-compose
                elif command -v podman-compose >/dev/null 2>&1; then rollout_compose=podman-compose
                else echo "no compose command on this host: install the docker compose plugin, docker-compose or podman-compose, or name one with compose_command" >&2; exit 127
                fi
                """
        return """
            \(detect)
            rollout_up='up -d'
            case "$rollout_compose" in *podman-compose*) rollout_up='up -d --force-recreate' ;; esac
            \(compose("$rollout_compose", "$rollout_up " + ShellWord.quote(service))) || exit
            echo "\(RestartMarks.prefix)compose=$rollout_compose"
            """
    }

    /// Asks the manager about the service; `isRunning` reads the answer. Nil when the manager
    /// has no way to say (a custom command without `status_command`).
    var statusScript: String? { statusScript(marks: RestartMarks()) }

    /// The status command, with the compose command the restart used (`marks`).
    func statusScript(marks: RestartMarks) -> String? {
        switch target {
        case .systemd(let name):
            "systemctl show -p ActiveState -p SubState -p Result -p MainPID -p NRestarts -p InvocationID -- " + ShellWord.quote(name)
        case .supervisor(let name, _): supervisorctl("status " + ShellWord.quote(name))
        case .pm2: manager("pm2 jlist")
        case .dockerCompose(let service, _, let command):
            // Compose v2 answers JSON; docker-compose 1.x and podman-compose only a table.
            switch marks.value("compose") ?? command ?? "docker compose" {
            case let used where used.hasSuffix("docker compose"): compose(used, "ps --all --format json " + ShellWord.quote(service))
            case let used where used.contains("podman-compose"): compose(used, "ps")
            case let used: compose(used, "ps " + ShellWord.quote(service))
            }
        case .command(_, let status): status.map { sudo ? "sudo -n /bin/sh -c " + ShellWord.quote($0) : $0 }
        }
    }

    /// Prints the last `lines` lines of the service's log (since the restart, when `marks` say
    /// when that was). Nil for a custom command.
    func logScript(lines: Int, marks: RestartMarks = RestartMarks()) -> String? {
        switch target {
        case .systemd(let name):
            let since = marks.since.map { " --since @\($0)" } ?? ""
            return manager("journalctl -u \(ShellWord.quote(name))\(since) -n \(lines) --no-pager -o short-iso")
        case .supervisor(let name, let config):
            // `supervisorctl tail` sends the log over XML-RPC, which fails outright ("ExpatError")
            // once the log holds a control character such as a colour escape. So ask supervisord
            // where the logs are (getProcessInfo, through supervisorctl's own Python and client
            // options) and read the files; fall back to `tail` where that does not work.
            // `tail -N` counts bytes; a stream without its own file (redirect_stderr) answers
            // "ERROR (no log file)"; each stream's tail ends with an empty line.
            let arguments = (config.map { "-c " + ShellWord.path($0) + " " } ?? "") + ShellWord.quote(name)
            let files = manager("$rollout_py -c " + ShellWord.quote(Self.supervisorLogFiles) + " " + arguments)
            let tail = { (stream: String) in self.supervisorctl("tail -65536 \(ShellWord.quote(name)) \(stream)") }
            return """
                rollout_py=$(sed -n '1s/^#! *//p' "$(command -v supervisorctl)")
                rollout_logs=$(\(files) 2>/dev/null)
                if [ -n "$rollout_py" ] && [ -n "$rollout_logs" ]; then
                  printf '%s\\n' "$rollout_logs" | while IFS= read -r f; do [ -n "$f" ] && \(manager("tail -n \(lines) -- \"$f\"")); done
                else
                  { \(tail("stdout")); \(tail("stderr")); } 2>&1 | grep -v -e ': ERROR (no log file)$' -e '^$'
                fi | sed 's/\\x1b\\[[0-9;]*[A-Za-z]//g' | tr -d '\\000-\\010\\013-\\037' | tail -n \(lines)
                """
        case .pm2(let name):
            return manager("pm2 logs \(ShellWord.quote(name)) --lines \(lines) --nostream --raw") + " 2>&1 | tail -n \(lines)"
        case .dockerCompose(let service, _, let command):
            let used = marks.value("compose") ?? command ?? "docker compose"
            let noColor = used.contains("podman-compose") ? "" : "--no-color "
            let logs = compose(used, "logs \(noColor)--tail \(lines) " + ShellWord.quote(service)) + " 2>&1"
            // Right after a container exited, Podman 4.3 has handed both composes an empty log
            // (`web_1  | ` and nothing else) for more than half a second: look again every half
            // second, up to 3 s. Only a failed restart reads the log, and its reason is the point.
            return """
                rollout_log=$(\(logs)); rollout_looks=1
                while [ $rollout_looks -lt 6 ]; do
                  case $rollout_log in *"| "[![:space:]]*) break ;; esac
                  sleep 0.5; rollout_log=$(\(logs)); rollout_looks=$((rollout_looks + 1))
                done
                printf '%s\\n' "$rollout_log"
                """
        case .command:
            return nil
        }
    }

    /// What the manager calls a running service, for messages ("RUNNING", "active", …).
    var runningWord: String {
        switch target {
        case .systemd: "active"
        case .supervisor: "RUNNING"
        case .pm2: "online"
        case .dockerCompose: "running"
        case .command: "running"
        }
    }

    /// Whether the status command's result says the service runs, and the state it reported
    /// (for the message when it never does), with the secrets of `masker` masked.
    func status(from result: CommandResult, masker: SecretMasker) -> (running: Bool, state: String) {
        let output = result.stdoutText
        switch target {
        case .systemd:
            let verdict = Self.systemdStatus(output, marks: RestartMarks())
            if case .running(let state, _) = verdict { return (true, state) }
            return (false, verdict.state.isEmpty ? CommandFailure.describe(result, masker: masker) : verdict.state)
        case .supervisor(let name, _):
            // `name   RUNNING   pid 123, uptime 0:00:05`; exit status 3 when not running.
            let line = output.split(whereSeparator: \.isNewline).first { $0.split(separator: " ").first.map(String.init) == name }
            guard let fields = line?.split(separator: " ", omittingEmptySubsequences: true), fields.count > 1 else {
                return (false, CommandFailure.describe(result, masker: masker))
            }
            return (fields[1] == "RUNNING", fields.dropFirst().joined(separator: " "))
        case .pm2(let name):
            return Self.pm2Status(output, name: name) ?? (false, CommandFailure.describe(result, masker: masker))
        case .dockerCompose(let service, _, _):
            if let json = Self.composeStatus(output) { return json }
            let verdict = Self.composeTableStatus(output, service: service)
            if case .running(let state, _) = verdict { return (true, state) }
            return (false, verdict.state.isEmpty ? CommandFailure.describe(result, masker: masker) : verdict.state)
        case .command:
            return (result.succeeded, result.succeeded ? "running" : CommandFailure.describe(result, masker: masker))
        }
    }

    /// Reads the `ps` table of docker-compose 1.x (`app_web_1  …  Up (healthy)`, `Exit 3`,
    /// `Restarting`) or podman-compose (`Up 2 seconds ago`, `Exited (3) 1 second ago`): the rows
    /// of `service`'s containers (named `<project>_<service>_<n>` or `-`). An exited or
    /// restarting container fails at once: it will not come up by waiting.
    static func composeTableStatus(_ output: String, service: String) -> ServiceVerdict {
        let escaped = NSRegularExpression.escapedPattern(for: service)
        guard let name = try? NSRegularExpression(pattern: "(^|\\s)\\S*[_-]\(escaped)[_-][0-9]+(\\s|$)") else { return .waiting("") }
        var states: [String] = []
        var running = true
        for line in output.split(whereSeparator: \.isNewline).map(String.init)
        where name.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil {
            if let range = line.range(of: #"Exit(ed)? \(?-?[0-9]+\)?"#, options: .regularExpression) {
                return .failed("its container exited (\(line[range].filter { $0.isNumber || $0 == "-" }))")
            }
            if line.contains("Restarting") { return .failed("its container is restarting: it keeps exiting") }
            guard let up = line.range(of: #"\bUp(?: [^ ()]+)*(?: \([^)]*\))?"#, options: .regularExpression) else {
                running = false
                states.append("created")
                continue
            }
            let state = String(line[up]).trimmingCharacters(in: .whitespaces)
            // "Up ()": Podman's Docker API reports an empty health for a container without one.
            let starting = state.contains("starting") || state.contains("unhealthy")
            running = running && !starting
            states.append(state.replacingOccurrences(of: " ()", with: ""))
        }
        guard !states.isEmpty else { return .waiting("no container") }
        let state = states.joined(separator: ", ")
        return running ? .running(state, pid: "") : .waiting(state)
    }

    /// Reads `systemctl show` of the unit against what the restart script saw before and just
    /// after the restart. Running: `active` with a main process other than the one before the
    /// restart (an old process still running is not a restart). Failed at once: the unit
    /// `failed`, or systemd restarted it by itself since the restart (`Restart=` with a process
    /// that keeps exiting), or its main process changed since it was first seen running.
    static func systemdStatus(_ output: String, marks: RestartMarks, firstRunningPID: String? = nil) -> ServiceVerdict {
        var properties: [String: String] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            properties[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let active = properties["ActiveState"] else { return .waiting("") }
        let sub = properties["SubState"].map { "\(active) (\($0))" } ?? active
        let pid = properties["MainPID"] ?? "0"
        if active == "failed" {
            return .failed("systemd says the unit failed (Result=\(properties["Result"] ?? "unknown"))")
        }
        if let after = marks.value("after.NRestarts").flatMap(Int.init), let now = properties["NRestarts"].flatMap(Int.init), now > after {
            return .failed(
                "systemd restarted it \(now - after) time\(now - after == 1 ? "" : "s") since the restart (NRestarts \(after) → \(now)): its new process keeps exiting"
            )
        }
        if let first = firstRunningPID, first != pid {
            return .failed(
                "its main process changed from \(first) to \(pid == "0" ? "none" : pid) since it started: it exited and systemd started it again")
        }
        if let invocation = marks.value("before.InvocationID"), !invocation.isEmpty, properties["InvocationID"] == invocation {
            return .waiting("\(sub), still the process from before the restart")
        }
        guard active == "active" else { return .waiting(sub) }
        if let old = marks.value("before.MainPID"), old != "0", old == pid {
            return .waiting("\(sub), MainPID \(pid) is the process from before the restart")
        }
        return .running(pid == "0" ? sub : "\(sub), MainPID \(pid)", pid: pid)
    }

    /// Reads `pm2 jlist`: the process named (or numbered) `name` is `online`.
    static func pm2Status(_ output: String, name: String) -> (running: Bool, state: String)? {
        // pm2 may print notices before the JSON array.
        guard let start = output.firstIndex(of: "["),
            let list = try? JSONSerialization.jsonObject(with: Data(output[start...].utf8)) as? [[String: Any]]
        else { return nil }
        let matching = list.filter { entry in
            (entry["name"] as? String) == name || (entry["pm_id"] as? Int).map(String.init) == name
        }
        guard !matching.isEmpty else { return (false, "no pm2 process named \(name)") }
        let states = matching.map { (($0["pm2_env"] as? [String: Any])?["status"] as? String) ?? "unknown" }
        return (states.allSatisfy { $0 == "online" }, states.joined(separator: ", "))
    }

    /// Reads `docker compose ps --format json`: one JSON object per line (Compose 2.21 and
    /// later) or one array (earlier). Running means every container is `running` and none is
    /// `starting` or `unhealthy` by its own health check.
    static func composeStatus(_ output: String) -> (running: Bool, state: String)? {
        var containers: [[String: Any]] = []
        for line in output.split(whereSeparator: \.isNewline) {
            guard let value = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { continue }
            if let object = value as? [String: Any] { containers.append(object) }
            if let array = value as? [[String: Any]] { containers += array }
        }
        guard !containers.isEmpty else { return output.isEmpty ? (false, "no container") : nil }
        var running = true
        var states: [String] = []
        for container in containers {
            let state = (container["State"] as? String) ?? "unknown"
            let health = (container["Health"] as? String) ?? ""
            running = running && state == "running" && (health.isEmpty || health == "healthy")
            states.append(health.isEmpty ? state : "\(state) (\(health))")
        }
        return (running, states.joined(separator: ", "))
    }

    /// Python for supervisorctl's interpreter: prints the program's stdout and stderr log files.
    static let supervisorLogFiles = """
        import sys
        from supervisor.options import ClientOptions
        options = ClientOptions()
        options.realize(args=sys.argv[1:-1])
        info = options.getServerProxy().supervisor.getProcessInfo(sys.argv[-1])
        print(info["stdout_logfile"])
        print(info["stderr_logfile"])
        """

    private func manager(_ command: String) -> String {
        (sudo ? "sudo -n " : "") + command
    }

    private func supervisorctl(_ arguments: String) -> String {
        guard case .supervisor(_, let config) = target else { return manager("supervisorctl " + arguments) }
        return manager("supervisorctl " + (config.map { "-c \(ShellWord.path($0)) " } ?? "") + arguments)
    }

    /// `command` (a compose command, unquoted so that `docker compose` stays two words) with the
    /// compose file and `arguments`.
    private func compose(_ command: String, _ arguments: String) -> String {
        guard case .dockerCompose(_, let file, _) = target else { return manager(command + " " + arguments) }
        return manager(command + " " + (file.map { "-f \(ShellWord.path($0)) " } ?? "") + arguments)
    }
}
