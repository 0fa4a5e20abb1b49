/// One callback sent and what came back.
struct CallbackExchange: Sendable {
    /// `valid`, `first`, `replay`, …: how the report groups it.
    var kind: String
    var response: HTTPResponse?
    /// Why no response came, when none did.
    var error: String?
    /// What did not match `expect`; empty when it passed.
    var problem: String?

    var passed: Bool { problem == nil }

    /// `masker` masks the body before it is cut to an excerpt: a cut secret would not be
    /// recognised afterwards.
    mutating func judge(status: [Int], bodyContains: [String], masker: SecretMasker = .none) {
        guard let response else {
            problem = error ?? "no response"
            return
        }
        let expected = status.map(String.init).joined(separator: " or ")
        let shown = HTTPCheck.Expectation.excerpt(masker.mask(response.bodyText))
        if !status.contains(response.status) {
            problem = "expected status \(expected), got \(response.status) '\(shown)'"
        } else if let missing = bodyContains.first(where: { !response.bodyText.contains($0) }) {
            problem = "expected the body to contain '\(masker.mask(missing))', got '\(shown)'"
        }
    }
}
