import Foundation
import RolloutKit
import TestSupport
import Testing

/// A callback's expectations per attempt (a replay answered `processed`, then
/// `already_processed`) and its latency (`max_p90_ms`), sent by `rollout verify` to an endpoint
/// that verifies every signature with the official stripe library.
@Suite(.serialized) struct CallbackExpectationTests {
    static let whsec = "whsec_expectations4d2c9e0b7a1f"

    func verify(_ callbacks: String, server: CallbackVerifierServer) async throws -> RolloutCLI.Output {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-callback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        environments:
          staging:
            vars: { base_url: "\(server.baseURL)" }
            hosts: { web1: { address: 192.0.2.10 } }
        """.write(to: directory.appendingPathComponent("inventory.yml"), atomically: true, encoding: .utf8)
        try """
        name: idempotency
        secrets:
          whsec: { env: TEST_WHSEC }
        callbacks:
        \(callbacks)
        """.write(to: directory.appendingPathComponent("callbacks.yml"), atomically: true, encoding: .utf8)
        return try await RolloutCLI.run(["verify", "callbacks.yml", "-e", "staging"], in: directory, environment: ["TEST_WHSEC": Self.whsec])
    }

    @Test("a resent event is processed first and acknowledged as already processed after; many payments meet their p90")
    func perAttemptExpectationsAndLatencyPass() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: "unused-key", paytrSalt: "unused-salt")
        let output = try await verify(
            """
              - name: a resent event is booked once
                stripe: { secret: "{{ secrets.whsec }}" }
                url: "{{ base_url }}/stripe-idempotent"
                scenario: replay
                count: 3
                expect:
                  - { status: 200, body_contains: '"processed"' }
                  - { body_contains: already_processed }
              - name: 20 payments, 5 at a time
                stripe: { secret: "{{ secrets.whsec }}" }
                url: "{{ base_url }}/stripe"
                count: 20
                concurrency: 5
                expect: { status: 200, max_p90_ms: 10000 }
            """, server: server)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("a resent event is booked once — first: 200, "), "\(output.stdout)")
        #expect(output.stdout.contains("replay: 2 sent, statuses 200×2"), "\(output.stdout)")
        let seen = try await server.seen()
        #expect(seen.accepted == 23, "\(seen)")
        #expect(!output.all.contains(Self.whsec))
    }

    @Test("an answer that does not fit its attempt, and a p90 over the limit, fail with what came back")
    func perAttemptAndLatencyFailures() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: "unused-key", paytrSalt: "unused-salt")
        let output = try await verify(
            """
              - name: every delivery processed
                stripe: { secret: "{{ secrets.whsec }}" }
                url: "{{ base_url }}/stripe-idempotent"
                scenario: replay
                expect:
                  - { body_contains: '"processed"' }
                  - { body_contains: '"processed"' }
              - name: too slow
                stripe: { secret: "{{ secrets.whsec }}" }
                url: "{{ base_url }}/stripe?delay_ms=60"
                count: 4
                concurrency: 4
                expect: { max_p90_ms: 20 }
            """, server: server)
        #expect(output.status == 1, "\(output.all)")
        #expect(
            output.stdout.contains(#"replay: expected the body to contain '"processed"', got '{"status": "already_processed"}'"#), "\(output.stdout)")
        #expect(output.stdout.contains("time: expected p90 at most 20 ms, got "), "\(output.stdout)")
    }

    @Test("{{ i }} and {{ uuid }} in fields make 20 concurrent payments 20 distinct orders")
    func numberedFieldsMakeDistinctOrders() async throws {
        let server = try await CallbackVerifierServer(stripeSecret: Self.whsec, paytrKey: "unused-key", paytrSalt: "unused-salt")
        let output = try await verify(
            """
              - name: 20 payments, 20 orders
                stripe: { secret: "{{ secrets.whsec }}" }
                url: "{{ base_url }}/stripe"
                count: 20
                concurrency: 5
                fields: { metadata.order_id: "{{ uuid }}", metadata.booking_id: "bk_{{ i }}", amount: "{{ i }}00" }
            """, server: server)
        #expect(output.status == 0, "\(output.all)")
        let response = try await HTTPClient().send(HTTPRequest(url: server.baseURL + "/seen"))
        let seen = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let orders = seen?["orders"] as? [String: Int] ?? [:]
        #expect(orders.count == 20 && orders.values.allSatisfy { $0 == 1 }, "\(orders)")
        #expect(orders.keys.allSatisfy { UUID(uuidString: $0) != nil }, "\(orders)")
    }
}
