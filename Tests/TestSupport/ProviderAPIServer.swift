import Foundation
import RolloutKit

/// A provider's API on 127.0.0.1 (Tests/Verifiers/provider_api.py), answering as Stripe's
/// webhook-endpoint API does: `POST /v1/webhook_endpoints/we_billing` with `disabled=true|false`
/// and `Authorization: Bearer <key>`. It records every request it got, so a test sees what the
/// `http` step sent, its undo included. The key reaches it in its environment.
public final class ProviderAPIServer: @unchecked Sendable {
    /// One request the server received.
    public struct Received: Decodable, Sendable, Equatable {
        public var method: String
        public var path: String
        public var authorization: String
        public var body: String
    }

    public let port: Int
    private let server: LoopbackServerProcess

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `endpoints`: the webhook endpoints that exist, each enabled.
    public init(apiKey: String, endpoints: [String] = ["we_billing"]) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PROVIDER_API_KEY"] = apiKey
        environment["PROVIDER_API_ENDPOINTS"] = endpoints.joined(separator: ",")
        server = try await LoopbackServerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", "-u", packageRoot.appendingPathComponent("Tests/Verifiers/provider_api.py").path], environment: environment)
        port = server.port
    }

    /// Every request received so far, oldest first.
    public func received() async throws -> [Received] {
        let response = try await HTTPClient().send(HTTPRequest(url: baseURL + "/received"))
        return try JSONDecoder().decode([Received].self, from: response.body)
    }

    /// The status (`enabled`, `disabled`) of webhook endpoint `id`.
    public func status(of id: String) async throws -> String {
        let response = try await HTTPClient().send(HTTPRequest(url: baseURL + "/v1/webhook_endpoints/" + id))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return object?["status"] as? String ?? "?"
    }
}
