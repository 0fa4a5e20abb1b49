/// Restarts the application and waits until it is healthy: service state, then optionally an
/// HTTP health URL, optionally that it reports the revision just deployed. On failure it
/// shows the last log lines. Undo: restart again after the other undos.
/// `restart_service: { systemd: app, healthy_within: 30s, health_url: "{{ base_url }}/health" }`.
public struct RestartServiceStep: Step {
    public static let kind = "restart_service"
    public static let managers = ["systemd", "supervisor", "pm2", "docker_compose", "command"]
    public static let optionKeys = managers + [
        "compose_file", "status_command", "sudo", "healthy_within", "health_url", "health_status", "expect_revision", "log_lines",
    ]

    /// Which service manager, and the name it knows the service by.
    public enum Manager: Sendable, Hashable {
        case systemd(Template)
        case supervisor(Template)
        case pm2(Template)
        /// A compose service, with an optional compose file.
        case dockerCompose(service: Template, file: Template?)
        /// A custom restart command, with an optional command whose success means "running".
        case command(Template, status: Template?)
    }

    public var manager: Manager
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
        let statusCommand = options.template("status_command")
        switch chosen {
        case "systemd": manager = options.template("systemd").map(Manager.systemd)
        case "supervisor": manager = options.template("supervisor").map(Manager.supervisor)
        case "pm2": manager = options.template("pm2").map(Manager.pm2)
        case "docker_compose": manager = options.template("docker_compose").map { .dockerCompose(service: $0, file: composeFile) }
        case "command": manager = options.template("command").map { .command($0, status: statusCommand) }
        default: for key in Self.managers { _ = options.node(key) }
        }
        if composeFile != nil, chosen != "docker_compose" { options.error("'compose_file' applies only to docker_compose", at: "compose_file") }
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
        case .systemd(let name), .supervisor(let name), .pm2(let name), .dockerCompose(let name, _): "restart \(name.shortened)"
        case .command(let command, _): "restart: \(command.shortened)"
        }
    }
}
