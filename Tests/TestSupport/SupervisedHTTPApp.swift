public import Foundation

/// A supervisord owned by a sandbox host's login user, running one program `web`: a small
/// Python HTTP server that reads `.env` in its directory when it starts and answers `/health`
/// with `revision=<APP_REVISION>`. With `CRASH_ON_START=yes` in `.env` it writes a fatal line
/// to stderr and exits at once, as an app with a broken configuration does.
///
/// It is stopped when released; a watchdog stops it when the test process ends first.
public final class SupervisedHTTPApp: Sendable {
    public static let program = "web"

    /// The app's directory: `app.py`, `.env`, the supervisord files and logs.
    public let directory: URL
    public let port: Int
    /// The supervisord config, for `supervisorctl -c`.
    public var config: String { directory.appendingPathComponent("supervisord.conf").path }
    /// `http://127.0.0.1:<port>/health`.
    public var healthURL: String { "http://127.0.0.1:\(port)/health" }

    static let app = #"""
        import http.server, os, sys
        here = os.path.dirname(os.path.abspath(__file__))
        env = {}
        with open(os.path.join(here, ".env")) as settings:
            for line in settings:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    env[key.strip()] = value.strip().strip("'\"")
        print("web: read .env", flush=True)
        if env.get("CRASH_ON_START") == "yes":
            # Coloured, as many loggers write: supervisorctl's XML-RPC tail cannot carry it.
            print("\x1b[31mERROR\x1b[0m boot failed", file=sys.stderr, flush=True)
            print("fatal: CRASH_ON_START=yes, the app refuses to start", file=sys.stderr, flush=True)
            sys.exit(3)
        body = ("revision=%s\n" % env.get("APP_REVISION", "none")).encode()

        class Health(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200 if self.path == "/health" else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
        """#

    /// Writes the app with `env` as its `.env` into `directory` (owned by `user`), and starts
    /// supervisord as `user`; returns once `web` answers on its health URL. Waits without
    /// holding a thread of the cooperative pool (see `onOwnThread`).
    public init(in directory: URL, user: String, env: String) async throws {
        self.directory = directory
        port = try SSHTestHost.freePort()
        let path = directory.path
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("log"), withIntermediateDirectories: true)
        try Self.app.write(to: directory.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        try env.write(to: directory.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let conf = """
            [unix_http_server]
            file=\(path)/supervisor.sock
            chmod=0700

            [supervisord]
            logfile=\(path)/log/supervisord.log
            pidfile=\(path)/supervisord.pid
            childlogdir=\(path)/log

            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

            [supervisorctl]
            serverurl=unix://\(path)/supervisor.sock

            [program:\(Self.program)]
            command=/usr/bin/python3 -u app.py \(port)
            directory=\(path)
            autostart=true
            startsecs=1
            startretries=0
            stopsignal=TERM
            stopwaitsecs=5
            stdout_logfile=\(path)/log/web.out.log
            stderr_logfile=\(path)/log/web.err.log

            """
        try conf.write(toFile: config, atomically: true, encoding: .utf8)
        _ = try await runLocal("/bin/chown", ["-R", "\(user):", path])
        _ = try await runLocal("/usr/sbin/runuser", ["-u", user, "--", "/usr/bin/supervisord", "-c", config])
        // supervisord outlives a crashed test process otherwise.
        _ = try ChildProcess(
            "/bin/sh",
            [
                "-c",
                """
                while \(TestProcess.isRunningCondition) && [ -f \(path)/supervisord.pid ]; do sleep 1; done
                [ -f \(path)/supervisord.pid ] && kill "$(cat \(path)/supervisord.pid)"
                """,
            ], stdout: "/dev/null", stderr: "/dev/null")
        let deadline = Date().addingTimeInterval(15)
        while (try? await runLocal("/usr/bin/curl", ["-sf", "--max-time", "2", healthURL])) == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = try health()
    }

    /// What `/health` answers now (`revision=r1`), trimmed.
    public func health() throws -> String {
        try runLocal("/usr/bin/curl", ["-sf", "--max-time", "2", healthURL]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        let pidFile = directory.appendingPathComponent("supervisord.pid").path
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGTERM)
            // The watchdog ends when the pid file goes; supervisord removes it as it exits.
            for _ in 0..<50 where FileManager.default.fileExists(atPath: pidFile) { usleep(100_000) }
        }
    }
}
