import Foundation
import RolloutKit

/// A callback endpoint on 127.0.0.1 that judges signatures with the providers' official
/// libraries (stripe 16.1.0 `Webhook.construct_event`, paytr-python 0.3.0 `parse_callback`, from
/// `.venv/`), never with Rollout's code: `POST /stripe` and `POST /paytr` answer 200 "OK" for a
/// valid signature and 400 otherwise, and `seen()` tells what it accepted.
///
/// The secrets reach the server in its environment, never its arguments. Stopped when released;
/// it also exits when the test process goes away (it watches its stdin).
public final class CallbackVerifierServer: @unchecked Sendable {
    /// What the server has judged so far.
    public struct Seen: Decodable, Sendable {
        public var accepted: Int
        public var rejected: Int
        /// Accepted event id (Stripe) or merchant_oid (PayTR) → how many times it arrived.
        public var ids: [String: Int]
    }

    public let port: Int
    private let server: LoopbackServerProcess

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server with the Stripe endpoint secret and the PayTR key and salt it verifies with.
    public init(stripeSecret: String, paytrKey: String, paytrSalt: String) async throws {
        let python = packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw LoopbackHTTPServerError(output: "\(python.path) is missing: run scripts/python-env.sh")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["STRIPE_WEBHOOK_SECRET"] = stripeSecret
        environment["PAYTR_MERCHANT_KEY"] = paytrKey
        environment["PAYTR_MERCHANT_SALT"] = paytrSalt
        server = try await LoopbackServerProcess(
            executable: python, arguments: ["-u", packageRoot.appendingPathComponent("Tests/Verifiers/callback_server.py").path],
            environment: environment)
        port = server.port
    }

    /// What the server accepted and rejected so far.
    public func seen() async throws -> Seen {
        let response = try await HTTPClient().send(HTTPRequest(url: baseURL + "/seen"))
        return try JSONDecoder().decode(Seen.self, from: response.body)
    }
}
