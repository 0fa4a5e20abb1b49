import Foundation

/// The test web app of `SupervisedHTTPApp` (reads `.env`, answers `/health` with
/// `revision=<APP_REVISION>`, exits at start with `CRASH_ON_START=yes`) as a systemd unit on a
/// container host: `/srv/<unit>/` owned by `deploy`, `/etc/systemd/system/<unit>.service` run as
/// `deploy`, enabled and started.
public struct SystemdHTTPApp: Sendable {
    public let host: ContainerHost
    public let unit: String
    public let port: Int

    public var directory: String { "/srv/\(unit)" }
    public var unitFile: String { "/etc/systemd/system/\(unit).service" }
    /// `http://127.0.0.1:<port>/health`: the host shares this machine's loopback.
    public var healthURL: String { "http://127.0.0.1:\(port)/health" }

    /// The unit file; `restartAlways` adds `Restart=always` (systemd starts a process that
    /// exits again after 200 ms).
    public func unitText(restartAlways: Bool, script: String = "app.py") -> String {
        """
        [Unit]
        Description=rollout test app \(unit)

        [Service]
        User=deploy
        WorkingDirectory=\(directory)
        ExecStart=/usr/bin/python3 -u \(script) \(port)
        \(restartAlways ? "Restart=always\nRestartSec=200ms\n" : "")
        [Install]
        WantedBy=multi-user.target

        """
    }

    /// Installs and starts the app on `host` with `env` as its `.env`; returns once it answers.
    public init(on host: ContainerHost, unit: String, env: String, restartAlways: Bool = false) throws {
        self.host = host
        self.unit = unit
        port = try SSHTestHost.freePort()
        try host.ssh("mkdir -p \(directory) && chown deploy: \(directory)")
        try host.write("\(directory)/app.py", SupervisedHTTPApp.app, owner: "deploy")
        try host.write("\(directory)/.env", env, owner: "deploy")
        try host.write(unitFile, unitText(restartAlways: restartAlways))
        try host.ssh("systemctl daemon-reload && systemctl enable --now --quiet \(unit)")
        let deadline = Date().addingTimeInterval(15)
        while (try? health()) == nil, Date() < deadline { usleep(100_000) }
        _ = try health()
    }

    /// What `/health` answers now (`revision=r1`), trimmed.
    public func health() throws -> String {
        try runLocal("/usr/bin/curl", ["-sf", "--max-time", "2", healthURL]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `systemctl show -p NAME --value` of the unit.
    public func property(_ name: String) throws -> String {
        try host.ssh("systemctl show -p \(name) --value \(unit)").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
