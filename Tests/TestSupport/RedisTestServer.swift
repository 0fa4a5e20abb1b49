import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `redis-server` on 127.0.0.1, started once per test process on a free port, without
/// persistence, and stopped by a watchdog as soon as the test process ends. Tests keep apart by
/// key (or database number), never by server.
public final class RedisTestServer: Sendable {
    public let port: Int
    /// `redis://127.0.0.1:<port>/<database>`.
    public func url(database: Int = 0) -> String { "redis://127.0.0.1:\(port)/\(database)" }

    /// The server every test of this process shares.
    public static let shared: RedisTestServer = {
        do {
            return try RedisTestServer.start()
        } catch {
            fatalError("cannot start the test Redis: \(error)")
        }
    }()

    private init(port: Int) {
        self.port = port
    }

    private static func start() throws -> RedisTestServer {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else {
            throw CommandFailed(command: "/usr/bin/redis-server", output: "not installed; run scripts/install-system-packages.sh")
        }
        var lastError: any Error = CommandFailed(command: "redis-server", output: "did not start")
        // A port found free can be taken before the server binds it: try another.
        for _ in 0..<3 {
            let server = RedisTestServer(port: try SSHTestHost.freePort())
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-test-redis-\(TestProcess.id)-\(server.port).log").path
            let process = try ChildProcess(
                "/usr/bin/redis-server",
                [
                    "--port", String(server.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--daemonize", "no", "--dir", FileManager.default.temporaryDirectory.path,
                ], stdout: log, stderr: log)
            _ = try ChildProcess(
                "/bin/sh", ["-c", "while \(TestProcess.isRunningCondition); do sleep 0.5; done; kill \(process.pid)"],
                stdout: "/dev/null", stderr: "/dev/null")
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if (try? server.command(["PING"])) == "PONG" { return server }
                if kill(process.pid, 0) != 0 { break }
                usleep(50_000)
            }
            kill(process.pid, SIGKILL)
            lastError = CommandFailed(
                command: "redis-server --port \(server.port)", output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        throw lastError
    }

    /// Runs one command through `redis-cli` and returns its reply, trimmed.
    @discardableResult
    public func command(_ arguments: [String]) throws -> String {
        try runLocal("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(port)] + arguments)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `key` exists now.
    public func exists(_ key: String) throws -> Bool {
        try command(["EXISTS", key]) == "1"
    }
}
