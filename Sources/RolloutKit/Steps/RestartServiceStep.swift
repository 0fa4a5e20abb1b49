/// Restarts the application and waits until it is healthy: service state, then optionally an
/// HTTP health URL, optionally that it reports the revision just deployed. On failure it
/// shows the last log lines. Undo: restart again after the other undos.
/// `restart_service: { systemd: app, healthy_within: 30s, health_url: "{{ base_url }}/health" }`.
public struct RestartServiceStep: Step {
    public static let kind = "restart_service"
    public static let managers = ["systemd", "supervisor", "pm2", "docker_compose", "command"]
    public static let options: [OptionSpec] = [
        OptionSpec("systemd", .text, "Unit name."),
        OptionSpec("supervisor", .text, "Program name."),
        OptionSpec("pm2", .text, "Process name."),
        OptionSpec("docker_compose", .text, "Compose service name."),
        OptionSpec("command", .text, "Custom restart command."),
        OptionSpec("compose_file", .text, "Compose file for docker_compose."),
        OptionSpec(
            "compose_command", .text, "The compose program: docker compose, docker-compose or podman-compose. Default: the first the host has."),
        OptionSpec("supervisor_conf", .text, "supervisord config for supervisorctl -c."),
        OptionSpec("status_command", .text, "Succeeds when the service runs (for command)."),
        OptionSpec("sudo", .flag, "Run the manager's commands with sudo -n."),
        OptionSpec("healthy_within", .duration, "How long it may take to become healthy. Default 30s."),
        OptionSpec("health_url", .text, "Must answer with health_status."),
        OptionSpec("health_status", .numbers, "Acceptable statuses. Default 200."),
        OptionSpec("expect_revision", .text, "Text the health response must contain (the revision just deployed)."),
        OptionSpec("log_lines", .number, "Log lines shown on failure. Default 20."),
    ]

    /// Which service manager, and the name it knows the service by.
    public enum Manager: Sendable, Hashable {
        case systemd(Template)
        case supervisor(Template)
        case pm2(Template)
        /// A compose service, with an optional compose file.
        case dockerCompose(service: Template, file: Template?, command: Template?)
        /// A custom restart command, with an optional command whose success means "running".
        case command(Template, status: Template?)
    }

    public var manager: Manager
    /// The supervisord config `supervisorctl` reads (`-c`), for a supervisord that does not use
    /// the system's own config.
    public var supervisorConfig: Template?
    /// Run the manager's commands through `sudo -n`.
    public var sudo: Bool
    /// How long the service may take to become healthy (default 30s).
    public var healthyWithin: Duration
    public var healthURL: Template?
    /// Acceptable statuses of `health_url` (default 200).
    public var healthStatus: [Int]
    /// Text the health response must contain (the revision just deployed), so an old process
    /// still answering does not pass.
    public var expectRevision: Template?
    /// Log lines shown when the service does not become healthy (default 20).
    public var logLines: Int

    public init?(options: OptionReader, context: StepDecodingContext) {
        let chosen = options.exactlyOne(of: Self.managers)
        var manager: Manager?
        let composeFile = options.template("compose_file")
        let composeCommand = options.template("compose_command")
        let statusCommand = options.template("status_command")
        supervisorConfig = options.template("supervisor_conf")
        switch chosen {
        case "systemd": manager = options.template("systemd").map(Manager.systemd)
        case "supervisor": manager = options.template("supervisor").map(Manager.supervisor)
        case "pm2": manager = options.template("pm2").map(Manager.pm2)
        case "docker_compose":
            manager = options.template("docker_compose").map { .dockerCompose(service: $0, file: composeFile, command: composeCommand) }
        case "command": manager = options.template("command").map { .command($0, status: statusCommand) }
        default: for key in Self.managers { _ = options.node(key) }
        }
        if composeFile != nil, chosen != "docker_compose" { options.error("'compose_file' applies only to docker_compose", at: "compose_file") }
        if composeCommand != nil, chosen != "docker_compose" {
            options.error("'compose_command' applies only to docker_compose", at: "compose_command")
        }
        if supervisorConfig != nil, chosen != "supervisor" {
            options.error("'supervisor_conf' applies only to supervisor", at: "supervisor_conf")
        }
        if statusCommand != nil, chosen != "command" { options.error("'status_command' applies only to command", at: "status_command") }
        sudo = options.bool("sudo") ?? false
        healthyWithin = options.duration("healthy_within") ?? .seconds(30)
        healthURL = options.template("health_url")
        healthStatus = options.ints("health_status", in: 100...599) ?? [200]
        expectRevision = options.template("expect_revision")
        logLines = options.int("log_lines", in: 0...10_000) ?? 20
        if expectRevision != nil, healthURL == nil {
            options.error("'expect_revision' is read from the health response, so it needs 'health_url'", at: "expect_revision")
        }
        guard let manager else { return nil }
        self.manager = manager
    }

    public var mutates: Bool { true }

    public var summary: String {
        switch manager {
        case .systemd(let name), .supervisor(let name), .pm2(let name), .dockerCompose(let name, _, _): "restart \(name.shortened)"
        case .command(let command, _): "restart: \(command.shortened)"
        }
    }

    public func undoDescription(render: (Template) -> String) -> String { "restarts the service again, after every other undo" }
}

extension RestartServiceStep: RunnableStep {
    /// What a restart records before it restarts: that it did, so the rollback restarts again.
    public struct Undo: UndoRecord {
        var restarted: String?

        enum CodingKeys: String, CodingKey { case restarted }

        public var preview: UndoPreview {
            UndoPreview(putsBack: "the service running the restored files and code (restarted after every other undo)")
        }
    }

    /// Pause between two looks at the service.
    static let pollInterval: Duration = .milliseconds(500)
    /// Pause between two requests to the health URL. A starting app refuses the connection at
    /// once, so asking often costs it next to nothing, while every pause is time the deploy
    /// waits on an app that may already answer: at `pollInterval` the wait outlasted the app's
    /// start-up by 250 ms on average, the largest part of Rollout's overhead in a deploy
    /// (scripts/bench-playbooks). The look at the service, a command on the host, keeps
    /// `pollInterval`.
    static let healthPollInterval: Duration = .milliseconds(100)

    /// The manager's commands for this host, and whether any of them carries a secret.
    func control(in context: StepContext) throws(StepError) -> (control: ServiceControl, sensitive: Bool) {
        var sensitive = false
        func text(_ template: Template) throws(StepError) -> String {
            let rendered = try context.render(template)
            sensitive = sensitive || rendered.containsSecrets
            return rendered.text
        }
        func optionalText(_ template: Template?) throws(StepError) -> String? {
            guard let template else { return nil }
            return try text(template)
        }
        let target: ServiceControl.Target =
            switch manager {
            case .systemd(let name): .systemd(try text(name))
            case .supervisor(let name): .supervisor(try text(name), config: try optionalText(supervisorConfig))
            case .pm2(let name): .pm2(try text(name))
            case .dockerCompose(let service, let file, let command):
                .dockerCompose(service: try text(service), file: try optionalText(file), command: try optionalText(command))
            case .command(let command, let status): .command(try text(command), status: try optionalText(status))
            }
        return (ServiceControl(target: target, sudo: sudo), sensitive)
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let (control, _) = try control(in: context)
        var lines = ["run: \(context.masker.mask(control.restartCommand))"]
        let within = DurationText.format(healthyWithin)
        if case .systemd(let name) = control.target {
            lines.append(
                "wait up to \(within) until \(context.masker.mask(name)) is active with a new main process (fail at once when it fails or systemd restarts it)"
            )
        } else if case .dockerCompose(let service, _, let command) = control.target {
            let which =
                command.map { "with \(context.masker.mask($0))" } ?? "with the first of docker compose, docker-compose, podman-compose the host has"
            lines.append(
                "wait up to \(within) until the containers of \(context.masker.mask(service)) run (and are healthy when they have a health check), \(which)"
            )
        } else if let status = control.statusScript {
            let until = if case .command = control.target { "succeeds" } else { "says \(control.runningWord)" }
            lines.append("wait up to \(within) until \(context.masker.mask(status)) \(until)")
        }
        if let healthURL {
            var health = "then until \(try context.render(healthURL).masked) answers \(healthStatus.map(String.init).joined(separator: " or "))"
            if let expectRevision { health += " with '\(try context.render(expectRevision).masked)' in the body" }
            lines.append(health)
        }
        return StepPlan(lines, changes: .yes)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        try await restart(in: context, undoing: false)
    }

    /// Restarts again, so that the process reads the files the other undos put back (the
    /// engine runs this undo after them). The deployed revision is not expected any more.
    public func undo(_ record: Undo, in context: StepContext) async throws -> StepRun {
        try await restart(in: context, undoing: true)
    }

    public var recordsUndoFirst: Bool { true }

    public var undoesLast: Bool { true }
    /// A second restart ends as one does: the service running the deployed code.
    public var safeToRunAgain: Bool { true }

    /// Restarts and waits; a run records its undo (restart again) before restarting.
    private func restart(in context: StepContext, undoing: Bool) async throws -> StepRun {
        let (control, sensitive) = try control(in: context)
        let undo = undoing ? nil : Undo(restarted: "1").fields
        var result =
            undoing
            ? try await context.run(RemoteCommand(control.restartScript(undoing: true), sensitive: sensitive))
            : try await context.runRecorded(
                RemoteCommand(
                    "rollout_undo \(Undo.CodingKeys.restarted.stringValue) 1 || exit 1\n" + control.restartScript(undoing: false),
                    sensitive: sensitive))
        let marks = RestartMarks(output: result.stdoutText)
        result.stdout = Array(RestartMarks.strip(result.stdoutText).utf8)
        let fields = StepRun.commandFields(result)
        guard result.succeeded else {
            var failure = "\(context.masker.mask(control.restartCommand)) \(CommandFailure.describe(result, masker: context.masker))"
            let refused = ["Access denied", "Interactive authentication required", "must be root"]
            if !sudo, refused.contains(where: result.stderrText.contains) {
                failure += "; the login user may not control services: log in as root, or give it NOPASSWD sudo and set 'sudo: true'"
            }
            return await failed(failure, control: control, marks: marks, restart: result, fields: fields, undo: undo, in: context)
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: healthyWithin)
        var watch = ServiceWatch(control: control, marks: marks, sensitive: sensitive)
        if let failure = try await waitUntilRunning(&watch, until: deadline, in: context) {
            return await failed(failure, control: control, marks: marks, restart: result, fields: fields, undo: undo, in: context)
        }
        if let healthURL {
            let revision = !undoing ? try expectRevision.map { template throws(StepError) in try context.render(template) } : nil
            let url = try context.render(healthURL)
            if let failure = try await waitUntilHealthy(url, revision: revision, watch: watch, until: deadline, in: context) {
                return await failed(failure, control: control, marks: marks, restart: result, fields: fields, undo: undo, in: context)
            }
        }
        return StepRun(outcome: .changed, command: result, fields: fields, undo: undo)
    }

    /// What the waits know about the restarted service: the restart's marks and, for systemd,
    /// the main process first seen running (a later, different one means systemd restarted it).
    struct ServiceWatch {
        let control: ServiceControl
        let marks: RestartMarks
        let sensitive: Bool
        var runningPID: String?

        /// Whether a look can tell that waiting longer is useless (systemd, compose).
        var failsFast: Bool {
            switch control.target {
            case .systemd, .dockerCompose: true
            default: false
            }
        }

        /// One look at the service: running, still waiting (with the state), or failed for good.
        func look(in context: StepContext, until deadline: ContinuousClock.Instant) async throws -> ServiceVerdict? {
            guard let statusScript = control.statusScript(marks: marks) else { return nil }
            var command = RemoteCommand(statusScript, sensitive: sensitive)
            command.timeout = min(max(ContinuousClock().now.duration(to: deadline), .seconds(1)), .seconds(10))
            let result: CommandResult
            do {
                result = try await context.run(command)
            } catch TransportError.timedOut(_, _, let after) {
                // A busy host answers a status query slowly (`docker-compose ps` under load):
                // that says nothing of the service, so ask again until the deadline.
                return .waiting("the status query took over \(Int(after.components.seconds)) s")
            }
            if case .systemd = control.target {
                let verdict = ServiceControl.systemdStatus(result.stdoutText, marks: marks, firstRunningPID: runningPID)
                return verdict.state.isEmpty ? .waiting(CommandFailure.describe(result, masker: context.masker)) : verdict
            }
            if case .dockerCompose(let service, _, _) = control.target, ServiceControl.composeStatus(result.stdoutText) == nil {
                let verdict = ServiceControl.composeTableStatus(result.stdoutText, service: service)
                return verdict.state.isEmpty ? .waiting(CommandFailure.describe(result, masker: context.masker)) : verdict
            }
            let status = control.status(from: result, masker: context.masker)
            return status.running ? .running(status.state, pid: "") : .waiting(status.state)
        }
    }

    /// Nil once the manager reports the service running; otherwise why it did not in time.
    private func waitUntilRunning(
        _ watch: inout ServiceWatch, until deadline: ContinuousClock.Instant, in context: StepContext
    ) async throws -> String? {
        let control = watch.control
        guard let statusScript = control.statusScript(marks: watch.marks) else { return nil }
        let clock = ContinuousClock()
        var last = ""
        while true {
            switch try await watch.look(in: context, until: deadline) {
            case .running(_, let pid)?:
                watch.runningPID = pid
                return nil
            case .failed(let why)?:
                return "\(serviceName(context)) did not start: \(why)"
            case .waiting(let state)?:
                last = state
            case nil:
                return nil
            }
            if clock.now.advanced(by: Self.pollInterval) >= deadline {
                let what =
                    if case .command = control.target {
                        "\(context.masker.mask(statusScript)) did not succeed"
                    } else {
                        "\(serviceName(context)) was not \(control.runningWord)"
                    }
                return "\(what) within \(DurationText.format(healthyWithin)) of the restart (last: \(last))"
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// Nil once `url` answers an expected status (with `revision` in its body when given);
    /// otherwise why it did not in time.
    private func waitUntilHealthy(
        _ url: RenderedText, revision: RenderedText?, watch: ServiceWatch, until deadline: ContinuousClock.Instant, in context: StepContext
    ) async throws -> String? {
        let clock = ContinuousClock()
        let statuses = healthStatus.map(String.init).joined(separator: " or ")
        var last = ""
        var nextLook = clock.now
        while true {
            let remaining = clock.now.duration(to: deadline)
            do {
                let response = try await context.http.send(HTTPRequest(url: url.text, timeout: min(max(remaining, .milliseconds(200)), .seconds(5))))
                if !healthStatus.contains(response.status) {
                    last = "answered \(response.status)"
                } else if let revision, !response.bodyText.contains(revision.text) {
                    last = "answered \(response.status) without '\(revision.masked)' in the body; the old process may still be answering"
                } else {
                    return nil
                }
            } catch {
                last = context.masker.mask("\(error)")
            }
            // A unit that failed or that systemd keeps restarting, a container that exited, will
            // not become healthy: say so now instead of at the deadline.
            if watch.failsFast, clock.now >= nextLook {
                if case .failed(let why)? = try await watch.look(in: context, until: deadline) {
                    return "\(serviceName(context)) stopped after it started, before \(url.masked) answered (last: \(last)): \(why)"
                }
                nextLook = clock.now.advanced(by: Self.pollInterval)
            }
            if clock.now.advanced(by: Self.healthPollInterval) >= deadline {
                let what = revision.map { "\(statuses) with '\($0.masked)'" } ?? statuses
                return "\(url.masked) did not answer \(what) within \(DurationText.format(healthyWithin)) of the restart (last: \(last))"
            }
            try await Task.sleep(for: Self.healthPollInterval)
        }
    }

    /// A failed run whose output is the end of the service's log, so that the reason the
    /// service did not come up is shown with the failure.
    private func failed(
        _ failure: String, control: ServiceControl, marks: RestartMarks, restart: CommandResult, fields: [String: String],
        undo: [String: String]?, in context: StepContext
    ) async -> StepRun {
        var shown = restart
        if logLines > 0, let logScript = control.logScript(lines: logLines, marks: marks) {
            let log: String
            do {
                let result = try await context.run(RemoteCommand(logScript))
                log = result.stdoutText.trimmingTrailingNewlines
            } catch {
                log = "(could not read the log: \(error))"
            }
            // A restart the manager refused (no permission, no such unit) says why on stderr.
            shown = CommandResult(
                exitStatus: restart.exitStatus, exitSignal: restart.exitSignal,
                stdout: Array(((log.isEmpty ? "(the log is empty)" : log) + (restart.succeeded ? "" : "\n")).utf8),
                stderr: restart.succeeded ? [] : restart.stderr, duration: restart.duration)
        }
        return StepRun(outcome: .failed, command: shown, fields: fields, failure: failure, undo: undo)
    }

    private func serviceName(_ context: StepContext) -> String {
        switch manager {
        case .systemd(let name), .supervisor(let name), .pm2(let name), .dockerCompose(let name, _, _):
            (try? context.render(name).masked) ?? name.source
        case .command: "the service"
        }
    }
}
