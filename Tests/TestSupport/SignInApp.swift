import Foundation
import RolloutKit

/// An app on 127.0.0.1 that signs users in for real (Tests/Verifiers/signin_app.py): a form
/// login with a CSRF token and a session cookie (the youarecoder app), and a JSON login that
/// returns an HS256 JWT with an expiry (the subscriptions API). Signed in, an unknown plan is
/// answered 400. The credentials reach it in its environment, never its arguments.
public final class SignInApp: @unchecked Sendable {
    /// How many logins succeeded so far, by kind.
    public struct Stats: Decodable, Sendable {
        public var formLogins: Int
        public var jsonLogins: Int

        enum CodingKeys: String, CodingKey {
            case formLogins = "form_logins"
            case jsonLogins = "json_logins"
        }
    }

    public let port: Int
    private let server: LoopbackServerProcess

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the app with one user; its tokens last `tokenLifetime` seconds.
    public init(email: String, password: String, jwtSecret: String, tokenLifetime: Int = 900) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["APP_EMAIL"] = email
        environment["APP_PASSWORD"] = password
        environment["JWT_SECRET"] = jwtSecret
        environment["TOKEN_TTL"] = String(tokenLifetime)
        server = try await LoopbackServerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", "-u", packageRoot.appendingPathComponent("Tests/Verifiers/signin_app.py").path], environment: environment)
        port = server.port
    }

    /// Logins that succeeded so far.
    public func stats() async throws -> Stats {
        let response = try await HTTPClient().send(HTTPRequest(url: baseURL + "/stats"))
        return try JSONDecoder().decode(Stats.self, from: response.body)
    }
}
