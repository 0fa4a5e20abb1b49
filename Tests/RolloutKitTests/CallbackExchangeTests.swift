import Foundation
import Testing

@testable import RolloutKit

/// A callback's answer shown in a failure never shows a secret, even one the excerpt would cut.
@Suite struct CallbackExchangeTests {
    @Test func aSecretEchoedPastTheExcerptsEndIsMaskedBeforeTheCut() {
        let secret = "whsec_" + String(repeating: "k", count: 100)
        let zero = Duration.zero
        let body = "rejected: " + String(repeating: "x", count: 50) + " " + secret + " and more"
        let response = HTTPResponse(
            status: 400, headers: [], body: Data(body.utf8),
            timings: HTTPTimings(connect: zero, tls: nil, firstByte: zero, total: zero), redirectURL: nil)
        var exchange = CallbackExchange(kind: "valid", response: response, error: nil)
        exchange.judge(status: [200], bodyContains: [], masker: SecretMasker(secrets: [secret]))
        let problem = exchange.problem ?? ""
        #expect(problem.hasPrefix("expected status 200, got 400 'rejected: "), "\(problem)")
        #expect(!problem.contains("whsec_kkk") && problem.contains("***"), "\(problem)")
    }
}
