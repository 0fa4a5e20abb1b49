public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback sshd host ready for one of the shipped playbooks (`playbooks/<app>/`) in its
/// `loopback` environment: the playbook and the check suites copied as they are shipped, the
/// shipped inventory with only the sandbox host's port and the SSH key changed, the app's
/// release repository (`scripts/sandbox-app-repo`) and the offline wheels
/// (`scripts/sandbox-wheelhouse`) where the inventory looks for them (`$ROLLOUT_SANDBOX`,
/// `$ROLLOUT_WHEELHOUSE`), all owned by the host's login user. The app process the playbook
/// starts is killed when the test process ends.
public final class ShippedPlaybookHost: Sendable {
    public let sandbox: DeploySandbox
    public let app: String
    /// `$ROLLOUT_SANDBOX`: the host's own directory, where the playbook puts the app.
    public var hostDirectory: URL { sandbox.hostDirectory(0) }
    /// The app's checkout on the host.
    public var appDirectory: URL { hostDirectory.appendingPathComponent(app) }
    public var playbook: String { "playbooks/\(app)/deploy.yml" }

    public init(app: String) async throws {
        self.app = app
        sandbox = try await DeploySandbox(hostCount: 1)
        let root = sandbox.root
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("playbooks/\(app)"), withIntermediateDirectories: true)
        try manager.copyItem(
            at: packageRoot.appendingPathComponent("playbooks/\(app)/deploy.yml"),
            to: root.appendingPathComponent("playbooks/\(app)/deploy.yml"))
        try manager.copyItem(at: packageRoot.appendingPathComponent("checks"), to: root.appendingPathComponent("checks"))

        // The shipped inventory, pointed at this fixture's sshd: its port and its client key.
        var inventory = try String(contentsOf: packageRoot.appendingPathComponent("playbooks/\(app)/inventory.yml"), encoding: .utf8)
        let host = sandbox.hosts[0]
        for (shipped, local) in [
            ("loopback1: { address: 127.0.0.1, port: 2222,", "loopback1: { address: 127.0.0.1, port: \(host.port),"),
            ("identity: ../../.sandbox/client/id_ed25519", "identity: \(host.keyFile)"),
            ("known_hosts: ../../.sandbox/client/known_hosts", "known_hosts: \(root.path)/known_hosts"),
        ] {
            guard inventory.contains(shipped) else {
                throw CommandFailed(command: "adapt inventory", output: "no '\(shipped)' in playbooks/\(app)/inventory.yml")
            }
            inventory = inventory.replacingOccurrences(of: shipped, with: local)
        }
        try sandbox.write("playbooks/\(app)/inventory.yml", inventory)

        let directory = sandbox.hostDirectory(0)
        try await runLocal(
            packageRoot.appendingPathComponent("scripts/sandbox-app-repo").path, [app, directory.appendingPathComponent("repos/\(app).git").path])
        let wheelhouse =
            try await runLocal(packageRoot.appendingPathComponent("scripts/sandbox-wheelhouse").path, [])
            .split(separator: "\n").last.map(String.init) ?? ""
        try await runLocal("/bin/cp", ["-r", wheelhouse, directory.appendingPathComponent("wheelhouse").path])
        try await runLocal("/bin/chown", ["-R", "\(sandbox.user):", root.path])
        // The app runs detached from the playbook's session: stop it once the tests are gone.
        let pidFile = appDirectory.appendingPathComponent("app.pid").path
        _ = try await runLocal(
            "/bin/bash",
            [
                "-c",
                "setsid bash -c 'while \(TestProcess.isRunningCondition); do sleep 1; done; [ -f \"$2\" ] && kill \"$(cat \"$2\")\"' watchdog \(getpid()) \(pidFile) > /dev/null 2>&1 < /dev/null &",
            ])
    }

    /// The last run's events (`--json`): each step's and each undo's output tail.
    public var events: String {
        (try? String(contentsOf: sandbox.root.appendingPathComponent("events.jsonl"), encoding: .utf8)) ?? ""
    }

    /// `rollout run playbooks/<app>/deploy.yml -e loopback --verbose --json events.jsonl --var …`
    /// with the sandbox's paths and `environment` (the secrets) in its environment.
    public func run(_ vars: [String: String], environment: [String: String]) async throws -> RolloutCLI.Output {
        try await rollout(["run", playbook, "-e", "loopback", "--verbose", "--json", "events.jsonl"], vars, environment: environment)
    }

    /// `rollout rollback playbooks/<app>/deploy.yml -e loopback --yes --var …`: on-call's undo of
    /// the last run whose changes are still in place.
    public func rollback(_ vars: [String: String], environment: [String: String], force: Bool = false) async throws -> RolloutCLI.Output {
        try await rollout(
            ["rollback", playbook, "-e", "loopback", "--yes", "--json", "events.jsonl"] + (force ? ["--force"] : []), vars, environment: environment)
    }

    private func rollout(_ command: [String], _ vars: [String: String], environment: [String: String]) async throws -> RolloutCLI.Output {
        let arguments = command + vars.sorted { $0.key < $1.key }.flatMap { ["--var", "\($0.key)=\($0.value)"] }
        return try await sandbox.rollout(
            arguments,
            environment: environment.merging([
                "ROLLOUT_SANDBOX": hostDirectory.path,
                "ROLLOUT_WHEELHOUSE": hostDirectory.appendingPathComponent("wheelhouse").path,
            ]) { $1 })
    }

    /// The commit the app's checkout is at.
    public func checkedOutCommit() throws -> String {
        try runLocal("/usr/bin/git", ["-c", "safe.directory=*", "-C", appDirectory.path, "rev-parse", "HEAD"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What `GET url` answers, through curl ("" when nothing answers).
    public static func get(_ url: String, headers: [String] = []) -> String {
        (try? runLocal("/usr/bin/curl", ["-s", "--max-time", "10"] + headers.flatMap { ["-H", $0] } + [url])) ?? ""
    }

    /// Stops the app the playbook started.
    public func stopApp() {
        guard let pid = try? String(contentsOfFile: appDirectory.appendingPathComponent("app.pid").path, encoding: .utf8),
            let number = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        kill(number, SIGTERM)
    }
}
