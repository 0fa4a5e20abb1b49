import Foundation

/// A real HTTP server on 127.0.0.1 (Python's stdlib `http.server`) on a free port, for tests that
/// need something to talk to. Stopped when the value is released, and it exits by itself when
/// the test process goes away (it watches its stdin), so no server outlives a killed test run.
///
/// Routes: `GET /hello` 200 "hello"; `GET /redirect` 302 to /hello; `POST|PUT /echo` 201 with the
/// request body and its Content-Type echoed (and `X-Body-Length`); `GET /status/N` status N;
/// `GET /slow?ms=N` answers after N ms; `GET /headers` two `Set-Cookie` and an `X-Order` header;
/// `POST /ok` 200 "OK" (what a PayTR endpoint answers); `POST /reject` 400; `GET /billing/` 302 to
/// /auth/login?next=/billing/ (a page behind a login); `GET /json` 200 with a JSON body and
/// `Content-Type: application/json`; `GET /flaky?key=K` 503 the first time for each K, then 200;
/// `GET /flap?key=K&answers=fffpf` the n-th request for K answers as the n-th letter says (`f`
/// 503, `p` 200), and 200 once the letters run out: a health endpoint that flaps, then settles;
/// `POST /record/NAME` 200, keeping the body, and `GET /recorded/NAME` the bodies kept for NAME,
/// one per line (what a webhook received).
public final class LoopbackHTTPServer: @unchecked Sendable {
    public let port: Int
    private let server: LoopbackServerProcess

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init() async throws {
        server = try await LoopbackServerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-u", "-c", Self.script])
        port = server.port
    }

    private static let script = #"""
        import http.server, socketserver, threading, time, urllib.parse
        from loopback import QuietHandler, bind_reachable, live_with_parent

        live_with_parent()

        flaky_seen = set()
        flap_count = {}
        flap_lock = threading.Lock()
        recorded = {}

        class Handler(QuietHandler):
            def body(self):
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query)
                if url.path == "/hello":
                    self.reply(200, b"hello", [("Content-Type", "text/plain")])
                elif url.path == "/redirect":
                    self.reply(302, b"", [("Location", "/hello")])
                elif url.path == "/billing/":
                    self.reply(302, b"", [("Location", "/auth/login?next=/billing/")])
                elif url.path == "/json":
                    self.reply(200, b'{"status": "ok", "revision": "r42"}', [("Content-Type", "application/json")])
                elif url.path == "/flaky":
                    key = query.get("key", [""])[0]
                    first = key not in flaky_seen
                    flaky_seen.add(key)
                    self.reply(503 if first else 200, b"warming up" if first else b"ready")
                elif url.path == "/flap":
                    key, answers = query.get("key", [""])[0], query.get("answers", [""])[0]
                    with flap_lock:
                        n = flap_count.get(key, 0)
                        flap_count[key] = n + 1
                    failing = n < len(answers) and answers[n] == "f"
                    self.reply(503 if failing else 200, b"flapping" if failing else b"healthy")
                elif url.path.startswith("/status/"):
                    self.reply(int(url.path.split("/")[2]), b"status body")
                elif url.path == "/slow":
                    time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
                    self.reply(200, b"late")
                elif url.path.startswith("/recorded/"):
                    self.reply(200, b"\n".join(recorded.get(url.path[len("/recorded/"):], [])))
                elif url.path == "/headers":
                    self.reply(200, b"", [("Set-Cookie", "a=1"), ("X-Order", "second"), ("Set-Cookie", "b=2")])
                else:
                    self.reply(404, b"not found")

            do_HEAD = do_GET

            def do_POST(self):
                data = self.body()
                if self.path == "/echo":
                    self.reply(201, data, [("Content-Type", self.headers.get("Content-Type", "")), ("X-Body-Length", str(len(data))),
                                           ("X-Method", self.command)])
                elif self.path == "/ok":
                    self.reply(200, b"OK", [("Content-Type", "text/plain")])
                elif self.path.startswith("/record/"):
                    recorded.setdefault(self.path[len("/record/"):], []).append(data)
                    self.reply(200, b"ok")
                elif self.path == "/reject":
                    self.reply(400, b"bad hash", [("Content-Type", "text/plain")])
                else:
                    self.reply(404, b"not found")

            do_PUT = do_POST
            do_PATCH = do_POST

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        server = bind_reachable(Server, Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}

/// The test server did not start.
public struct LoopbackHTTPServerError: Error, CustomStringConvertible {
    public let output: String
    public var description: String { "the loopback HTTP server did not start (printed `\(output)`); check that python3 is installed" }
}
