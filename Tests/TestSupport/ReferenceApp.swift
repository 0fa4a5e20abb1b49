public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One of the sandbox's reference apps (`sandbox/<name>`) checked out at a release from the bare
/// repository `scripts/sandbox-app-repo` builds, with a venv installed from the wheelhouse
/// (`scripts/sandbox-wheelhouse`, `pip install --no-index`), on a free loopback port.
///
/// The repository is built once per test process and each venv once per requirements (kept under
/// /tmp between runs), so a test pays only for its checkout, its migrations and its server. The
/// server is stopped when released; watchdogs stop it and delete the checkouts when the test
/// process ends first.
public final class ReferenceApp: @unchecked Sendable {
    public enum Name: String, Sendable {
        case youarecoder
        case mentorPayments = "mentor-payments"
        case strategySubscriptions = "strategy-subscriptions"
    }

    /// What an HTTP request answered.
    public struct Answer: Sendable {
        public var status: Int
        public var body: String
        /// The `Location` header, when there is one.
        public var location: String?
    }

    public let name: Name
    public let release: String
    /// The checkout: the release's files, `.env`, `REVISION`, `server.log`.
    public let directory: URL
    public let venv: URL
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var logPath: String { directory.appendingPathComponent("server.log").path }
    private var server: ChildProcess?

    /// Checks out `release` of `name` and writes `.env` (`environment` plus HOST and PORT) and
    /// `REVISION` (the release's name); nothing runs yet.
    public init(_ name: Name, release: String = "good", environment: [String: String]) throws {
        self.name = name
        self.release = release
        venv = try Self.venv(for: name)
        let repository = try Self.repository(for: name)
        directory = Self.scratch.appendingPathComponent("\(name.rawValue)-\(release)-\(UUID().uuidString.prefix(8))")
        try runLocal("/usr/bin/git", ["clone", "-q", "--branch", release, repository.path, directory.path])
        port = try SSHTestHost.freePort()
        let env = environment.merging(["HOST": "127.0.0.1", "PORT": String(port)]) { $1 }
        try env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
            .write(to: directory.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        try "\(release)\n".write(to: directory.appendingPathComponent("REVISION"), atomically: true, encoding: .utf8)
    }

    /// Runs `venv/bin/<tool> arguments…` in the checkout, as its runbook does (`flask db upgrade`,
    /// `alembic upgrade head`, `python scripts/seed_plans.py`): exit status and output.
    public func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let output = directory.appendingPathComponent("tool-\(UUID().uuidString.prefix(8)).log").path
        let status = try ChildProcess(
            venv.appendingPathComponent("bin/\(tool)").path, arguments, directory: directory.path,
            stdout: output, stderr: output
        ).wait()
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    /// Like `run`, but throws with the output unless the tool succeeds.
    @discardableResult
    public func runChecked(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try run(tool, arguments)
        guard result.status == 0 else {
            throw CommandFailed(command: "\(tool) \(arguments.joined(separator: " ")) in \(directory.path)", output: result.output)
        }
        return result.output
    }

    /// The command its systemd unit runs: gunicorn with 4 workers for youarecoder, uvicorn else.
    private var serverCommand: (String, [String]) {
        switch name {
        case .youarecoder: (venv.appendingPathComponent("bin/gunicorn").path, ["-c", "gunicorn.conf.py", "wsgi:app"])
        case .mentorPayments, .strategySubscriptions:
            (venv.appendingPathComponent("bin/uvicorn").path, ["app.main:app", "--host", "127.0.0.1", "--port", String(port)])
        }
    }

    /// Starts the server and returns once `/health` answers 200; throws with the log when it
    /// exits or stays unhealthy for 60 s (generous: CI machines run many builds at once).
    public func start() throws {
        let (executable, arguments) = serverCommand
        let process = try ChildProcess(executable, arguments, directory: directory.path, stdout: logPath, stderr: logPath)
        server = process
        _ = try ChildProcess(
            "/bin/sh",
            [
                "-c",
                "while \(TestProcess.isRunningCondition) && kill -0 \(process.pid) 2>/dev/null; do sleep 0.5; done; kill \(process.pid) 2>/dev/null",
            ],
            stdout: "/dev/null", stderr: "/dev/null")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let health = try? request("GET", "/health"), health.status == 200 { return }
            if exited(process) { break }
            usleep(100_000)
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        stop()
        throw CommandFailed(command: "\(executable) \(arguments.joined(separator: " ")) in \(directory.path)", output: log)
    }

    /// Starts the server expecting it to die: its exit status and log once it has exited, or
    /// nil when it is still running after `timeout` seconds (it is stopped then).
    public func startExpectingFailure(timeout: TimeInterval = 60) throws -> (status: Int32, log: String)? {
        let (executable, arguments) = serverCommand
        let process = try ChildProcess(executable, arguments, directory: directory.path, stdout: logPath, stderr: logPath)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            var raw: Int32 = 0
            if waitpid(process.pid, &raw, WNOHANG) == process.pid {
                status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                return (status, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
            }
            usleep(100_000)
        }
        server = process
        stop()
        return nil
    }

    private func exited(_ process: ChildProcess) -> Bool {
        var raw: Int32 = 0
        return waitpid(process.pid, &raw, WNOHANG) == process.pid
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and reaps it.
    public func stop() {
        guard let process = server else { return }
        server = nil
        kill(process.pid, SIGTERM)
        for _ in 0..<50 {
            var raw: Int32 = 0
            if waitpid(process.pid, &raw, WNOHANG) != 0 { return }
            usleep(100_000)
        }
        kill(process.pid, SIGKILL)
        _ = process.wait()
    }

    deinit { stop() }

    /// One HTTP request to the app through curl: a form body (urlencoded), a JSON body, extra
    /// headers, and a cookie jar file that keeps a session across requests. Redirects are not followed.
    public func request(
        _ method: String, _ path: String, form: [String: String]? = nil, json: String? = nil,
        headers: [String] = [], cookies: URL? = nil
    ) throws -> Answer {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-refapp-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(atPath: scratch.path + ".body")
            try? FileManager.default.removeItem(atPath: scratch.path + ".headers")
        }
        var arguments = ["-s", "--max-time", "20", "-X", method, "-o", scratch.path + ".body", "-D", scratch.path + ".headers", "-w", "%{http_code}"]
        for header in headers { arguments += ["-H", header] }
        if let cookies { arguments += ["-b", cookies.path, "-c", cookies.path] }
        if let form {
            for (key, value) in form.sorted(by: { $0.key < $1.key }) { arguments += ["--data-urlencode", "\(key)=\(value)"] }
        }
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
        let code = try runLocal("/usr/bin/curl", arguments + [baseURL + path])
        let head = (try? String(contentsOfFile: scratch.path + ".headers", encoding: .utf8)) ?? ""
        let location = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("location:") }
            .map { $0.dropFirst("location:".count).trimmingCharacters(in: .whitespaces) }
        return Answer(
            status: Int(code.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0,
            body: (try? String(contentsOfFile: scratch.path + ".body", encoding: .utf8)) ?? "", location: location)
    }

    // MARK: - shared per process

    nonisolated(unsafe) private static var repositories: [Name: URL] = [:]
    nonisolated(unsafe) private static var venvs: [Name: URL] = [:]
    private static let lock = NSLock()

    /// /tmp/rollout-test-refapps/<pid>, deleted by a watchdog once the test process is gone.
    private static let scratch: URL = {
        let directory = URL(fileURLWithPath: "/tmp/rollout-test-refapps/\(TestProcess.id)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = try? runLocal(
            "/bin/bash",
            [
                "-c",
                "setsid bash -c 'while \(TestProcess.isRunningCondition); do sleep 1; done; sleep 2; rm -rf -- \"$2\"' watchdog \(getpid()) \(directory.path) > /dev/null 2>&1 < /dev/null &",
            ])
        return directory
    }()

    private static func repository(for name: Name) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let built = repositories[name] { return built }
        let repository = scratch.appendingPathComponent("repos/\(name.rawValue).git")
        try runLocal(packageRoot.appendingPathComponent("scripts/sandbox-app-repo").path, [name.rawValue, repository.path])
        repositories[name] = repository
        return repository
    }

    /// /tmp/rollout-refapp-venvs/<name>-<hash of requirements.txt and the interpreter>, built
    /// once (under a file lock, since test processes may run side by side) with Debian's
    /// python3 from the wheelhouse, offline.
    private static func venv(for name: Name) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let built = venvs[name] { return built }
        let wheelhouse =
            try runLocal(packageRoot.appendingPathComponent("scripts/sandbox-wheelhouse").path, [])
            .split(separator: "\n").last.map(String.init) ?? ""
        let requirements = packageRoot.appendingPathComponent("sandbox/\(name.rawValue)/requirements.txt").path
        let hash = try runLocal("/bin/sh", ["-c", "{ cat \"$1\"; /usr/bin/python3 -VV; } | sha256sum | cut -c1-12", "hash", requirements])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let venv = URL(fileURLWithPath: "/tmp/rollout-refapp-venvs/\(name.rawValue)-\(hash)")
        try FileManager.default.createDirectory(at: venv.deletingLastPathComponent(), withIntermediateDirectories: true)
        try runLocal(
            "/usr/bin/flock",
            [
                venv.path + ".lock", "/bin/sh", "-c",
                """
                set -e
                [ -f "$1/.complete" ] && exit 0
                rm -rf "$1"
                /usr/bin/python3 -m venv "$1"
                "$1/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$2" -r "$3"
                touch "$1/.complete"
                """, "venv", venv.path, wheelhouse, requirements,
            ])
        venvs[name] = venv
        return venv
    }
}
