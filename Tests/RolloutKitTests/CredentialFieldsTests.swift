import Foundation
import Testing

@testable import RolloutKit

/// Credentials a response carries are masked whether or not a capture took them.
struct CredentialFieldsTests {
    func response(_ body: String) -> HTTPResponse {
        HTTPResponse(
            status: 200, headers: [], body: Data(body.utf8),
            timings: HTTPTimings(connect: .zero, tls: nil, firstByte: .zero, total: .zero), redirectURL: nil)
    }

    @Test func credentialNamedFieldsAreFoundAtAnyDepth() {
        let body = #"""
            {"access_token": "eyJ.a.b", "user": {"email": "a@b.c", "Refresh-Token": "r1"},
             "keys": [{"api_key": "k1", "id": 3}], "token_type": "bearer", "expires_in": 3600, "password": ""}
            """#
        #expect(CredentialFields.values(in: response(body)) == ["eyJ.a.b", "r1", "k1"])
        #expect(CredentialFields.values(in: response("access_token=abc")).isEmpty)
        #expect(CredentialFields.values(in: response("{not json")).isEmpty)
    }

    /// A login answered a second time gives a token no capture saw; shown in a failure, it is masked.
    @Test func aFreshTokenInAShownBodyIsMasked() {
        let masker = SecretMasker.none.adding(secrets: CredentialFields.values(in: response(#"{"access_token": "eyJfresh.x.y"}"#)))
        #expect(masker.mask(#"body: expected 'x', got '{"access_token": "eyJfresh.x.y"}'"#) == #"body: expected 'x', got '{"access_token": "***"}'"#)
    }
}
