import Foundation
import Testing

@testable import RolloutKit

/// The cookies a suite run keeps, and what captures take from a response.
@Suite struct CookieJarTests {
    func response(_ headers: [HTTPHeader], body: String = "") -> HTTPResponse {
        let zero = Duration.zero
        return HTTPResponse(
            status: 200, headers: headers, body: Data(body.utf8),
            timings: HTTPTimings(connect: zero, tls: nil, firstByte: zero, total: zero), redirectURL: nil)
    }

    @Test func cookiesGoBackToTheirHostAndPathOnly() {
        var jar = CookieJar()
        jar.store(
            from: response([
                HTTPHeader("Set-Cookie", "session=abc; Path=/; HttpOnly"),
                HTTPHeader("Set-Cookie", "admin=1; Path=/admin"),
                HTTPHeader("Set-Cookie", "tls=1; Secure"),
            ]), for: "http://app.test:8080/auth/login")
        #expect(jar.header(for: "http://app.test:8080/billing/") == "session=abc")
        #expect(jar.header(for: "http://app.test:8080/admin/users") == "admin=1; session=abc")
        #expect(jar.header(for: "http://other.test/") == nil)
        #expect(jar.header(for: "https://app.test/") == "session=abc; tls=1")
    }

    @Test func aCookieSetAgainReplacesItAndAnExpiredOneIsRemoved() {
        var jar = CookieJar()
        jar.store(from: response([HTTPHeader("Set-Cookie", "session=old")]), for: "http://app.test/")
        jar.store(from: response([HTTPHeader("Set-Cookie", "session=new; Max-Age=60")]), for: "http://app.test/")
        #expect(jar.header(for: "http://app.test/") == "session=new")
        #expect(jar.earliestExpiry != nil)
        jar.store(from: response([HTTPHeader("Set-Cookie", "session=; Max-Age=0")]), for: "http://app.test/")
        #expect(jar.header(for: "http://app.test/") == nil)
    }

    @Test func aDomainCookieServesSubdomains() {
        var jar = CookieJar()
        jar.store(from: response([HTTPHeader("Set-Cookie", "sid=1; Domain=.example.com")]), for: "https://www.example.com/")
        #expect(jar.header(for: "https://api.example.com/v1") == "sid=1")
        #expect(jar.header(for: "https://example.org/") == nil)
    }

    @Test func capturesTakeAHeaderACookieARegexGroupAndAJSONValue() throws {
        let answer = response(
            [HTTPHeader("Location", "/billing/"), HTTPHeader("Set-Cookie", "session=s3; Path=/")],
            body: #"{"access_token": "t0k", "csrf": "<input name=\"csrf_token\" value=\"c5rf\">"}"#)
        func capture(_ source: CheckCapture.Source) -> String? {
            try? CheckCapture(name: "x", source: source, secret: false, location: FileLocation(file: "f", line: 1, column: 1))
                .value(in: answer).get()
        }
        #expect(capture(.header("location")) == "/billing/")
        #expect(capture(.cookie("session")) == "s3")
        #expect(capture(.regex(#"value=\\"([a-z0-9]+)"#)) == "c5rf")
        #expect(capture(.json(try JSONPath(parsing: "$.access_token"))) == "t0k")
        #expect(capture(.json(try JSONPath(parsing: "$.missing"))) == nil)
    }

    @Test func aJWTsExpiryIsReadFromItsExpClaim() {
        // {"alg":"HS256"} . {"sub":"a","exp":2000000000} . signature
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIiwiZXhwIjoyMDAwMDAwMDAwfQ.c2ln"
        #expect(CheckSession.jwtExpiry(token) == Date(timeIntervalSince1970: 2_000_000_000))
        #expect(CheckSession.jwtExpiry("not.a-jwt") == nil)
    }
}
