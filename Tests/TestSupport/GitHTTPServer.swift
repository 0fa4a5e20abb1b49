import Foundation

/// The git repositories under a directory served on 127.0.0.1 behind HTTP Basic authentication,
/// as a private repository on a code host is: git's dumb HTTP protocol (plain files; run
/// `git update-server-info` in a repository after each push). Python's stdlib `http.server`;
/// the directory and the credentials reach it in its environment, never on its command line.
public final class GitHTTPServer: @unchecked Sendable {
    public let port: Int
    private let server: LoopbackServerProcess

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init(root: String, user: String, password: String) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_SERVER_ROOT"] = root
        environment["GIT_SERVER_AUTH"] = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        server = try await LoopbackServerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-u", "-c", Self.script],
            environment: environment)
        port = server.port
    }

    private static let script = #"""
        import http.server, os, socketserver, urllib.parse
        from loopback import QuietHandler, bind_reachable, live_with_parent

        live_with_parent()

        root = os.path.realpath(os.environ["GIT_SERVER_ROOT"])
        auth = os.environ["GIT_SERVER_AUTH"]

        class Handler(QuietHandler):
            def do_GET(self):
                if self.headers.get("Authorization") != auth:
                    self.reply(401, b"authentication required", [("WWW-Authenticate", 'Basic realm="git"')])
                    return
                path = os.path.realpath(os.path.join(root, urllib.parse.urlparse(self.path).path.lstrip("/")))
                if not path.startswith(root + os.sep) or not os.path.isfile(path):
                    self.reply(404, b"not found")
                    return
                with open(path, "rb") as f:
                    self.reply(200, f.read(), [("Content-Type", "application/octet-stream")])

            do_HEAD = do_GET

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        server = bind_reachable(Server, Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
