import BillingCore
import Foundation
import RolloutKit
import Testing

/// Loading `login:`, `capture:` and the body assertions of check suites: every mistake at its
/// file:line:column, with a did-you-mean where a close name exists.
@Suite struct CheckSessionLoadingTests {
    private func load(_ suite: String) throws -> (CheckSuite?, Diagnostics, PlaybookFixture) {
        let fixture = try PlaybookFixture(["checks.yml": suite])
        let sink = DiagnosticSink()
        let loaded = CheckSuiteLoader.load(fixture.url("checks.yml"), name: "checks.yml", sink: sink)
        return (loaded, sink.diagnostics, fixture)
    }

    @Test func aLoginWithCapturesAndJSONAssertionsLoads() throws {
        let (suite, diagnostics, _) = try load(
            """
            name: api
            base_url: http://127.0.0.1:1
            login:
              - request: POST /login
                json: { email: a@b.c, password: pw }
                capture:
                  token: { json: "$.access_token", secret: true }
                  csrf: { regex: 'name="csrf_token" value="([^"]+)"' }
                  session: { cookie: session }
                  where: { header: Location }
            checks:
              - request: GET /me
                headers: { Authorization: "Bearer {{ captured.token }}" }
                expect:
                  json: { "$.status": active, "$.items.length()": 3, "$.items[-1].id": "~ ^sub_", "$['odd key']": null }
                  body_matches: '"status"'
              - request: GET /plain
                expect: { body: OK }
            """)
        #expect(diagnostics.all.isEmpty, "\(diagnostics.rendered())")
        let loaded = try #require(suite)
        #expect(loaded.login.count == 1)
        #expect(loaded.login[0].captures.map(\.name) == ["token", "csrf", "session", "where"])
        #expect(loaded.login[0].captures[0].secret)
        #expect(loaded.checks[0].expect.json.map(\.path.source) == ["$.status", "$.items.length()", "$.items[-1].id", "$['odd key']"])
        #expect(loaded.checks[0].expect.bodyMatches == ["\"status\""])
        #expect(loaded.checks[1].expect.body?.source == "OK")
    }

    @Test func aValueUsedBeforeTheRequestThatCapturesItIsReportedThere() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            checks:
              - request: GET /me
                headers: { Authorization: "Bearer 1️⃣{{ captured.token }}" }
              - request: POST /login
                capture: { token: { json: $.token } }
            """)
        let diagnostic = try #require(diagnostics.first(containing: "'captured.token' comes from a later request (line 5)"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func anUnknownCaptureSuggestsTheCapturedName() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            login:
              - request: POST /login
                capture: { token: { json: $.token } }
            checks:
              - request: GET /me
                headers: { Authorization: "Bearer 1️⃣{{ captured.tokne }}" }
            """)
        let diagnostic = try #require(diagnostics.first(containing: "no request of the suite captures 'tokne'"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.suggestion == "token")
    }

    @Test func aBadJSONPathIsReportedAtItsKey() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            checks:
              - request: GET /me
                expect: { json: { 1️⃣status: active } }
            """)
        let diagnostic = try #require(diagnostics.first(containing: "'status' must start with '$'"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func anUnknownCaptureSourceSuggestsTheRightOne() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            checks:
              - request: POST /login
                capture: { token: { 1️⃣jsno: $.token } }
            """)
        let diagnostic = try #require(diagnostics.first(containing: "unknown key 'jsno'"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.suggestion == "json")
    }

    @Test func anInvalidBodyRegexIsReported() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            checks:
              - request: GET /
                expect: { body_matches: 1️⃣"([a-z" }
            """)
        let diagnostic = try #require(diagnostics.first(containing: "'([a-z' is not a valid regular expression"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func aListAsAnExpectedJSONValueIsReported() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            checks:
              - request: GET /
                expect: { json: { "$.items": 1️⃣[a, b] } }
            """)
        let diagnostic = try #require(diagnostics.first(containing: "the expected value of '$.items' must be one value"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func aLoginThatIsNotAListIsReported() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            login: 1️⃣{ request: POST /login }
            checks:
              - request: GET /
            """)
        let diagnostic = try #require(diagnostics.first(containing: "'login' must be a list of requests that sign in"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func aCapturedReferenceWithTwoFieldsIsReported() throws {
        let (_, diagnostics, fixture) = try load(
            """
            base_url: http://127.0.0.1:1
            checks:
              - request: POST /login
                capture: { token: { json: $.token } }
              - request: GET /me
                headers: { Authorization: "Bearer 1️⃣{{ captured.token.value }}" }
            """)
        let diagnostic = try #require(diagnostics.first(containing: "'captured.token.value' needs one field: the capture's name"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func jsonPathsFindValuesAndLengths() throws {
        let document = try JSONValue(parsing: #"{"status":"active","items":[{"id":"sub_1"},{"id":"sub_2"}],"odd key":true}"#)
        #expect(try JSONPath(parsing: "$.status").value(in: document) == .string("active"))
        #expect(try JSONPath(parsing: "$.items.length()").value(in: document) == .int(2))
        #expect(try JSONPath(parsing: "$.items[-1].id").value(in: document) == .string("sub_2"))
        #expect(try JSONPath(parsing: "$['odd key']").value(in: document) == .bool(true))
        #expect(try JSONPath(parsing: "$.missing").value(in: document) == nil)
        #expect((try? JSONPath(parsing: "$.items.length().id")) == nil)
    }
}
