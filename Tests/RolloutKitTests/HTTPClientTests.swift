import Foundation
import RolloutKit
import TestSupport
import Testing

@Suite("HTTPClient against a real server on 127.0.0.1")
struct HTTPClientTests {
    let server: LoopbackHTTPServer
    let client = HTTPClient()

    init() async throws { server = try await LoopbackHTTPServer() }

    @Test("GET returns status, body, headers in order and ordered timings")
    func get() async throws {
        let response = try await client.send(HTTPRequest(url: server.baseURL + "/hello"))
        #expect(response.status == 200)
        #expect(response.bodyText == "hello")
        #expect(response.headers.value(for: "content-type") == "text/plain")
        let t = response.timings
        #expect(t.connect <= t.firstByte && t.firstByte <= t.total && t.total > .zero)
        #expect(t.tls == nil)
        #expect(response.redirectURL == nil)
    }

    @Test("headers come back in wire order, repeated ones kept")
    func headerOrder() async throws {
        let response = try await client.send(HTTPRequest(url: server.baseURL + "/headers"))
        let names = response.headers.map(\.name).filter { ["Set-Cookie", "X-Order"].contains($0) }
        #expect(names == ["Set-Cookie", "X-Order", "Set-Cookie"])
        #expect(response.headers.filter { $0.name == "Set-Cookie" }.map(\.value) == ["a=1", "b=2"])
    }

    @Test("a redirect is returned, not followed, with redirectURL set")
    func redirectNotFollowed() async throws {
        let response = try await client.send(HTTPRequest(url: server.baseURL + "/redirect"))
        #expect(response.status == 302)
        #expect(response.headers.value(for: "Location") == "/hello")
        #expect(response.redirectURL == server.baseURL + "/hello")
        let followed = try await client.send(HTTPRequest(url: server.baseURL + "/redirect", followRedirects: true))
        #expect(followed.status == 200 && followed.bodyText == "hello")
    }

    @Test("a POST body arrives byte for byte, NUL bytes and all, with its content type")
    func postBody() async throws {
        let bytes = Data([0x61, 0x00, 0x62, 0x00, 0xFF, 0x0A] + Array(repeating: 0x7A, count: 5000))
        let response = try await client.send(
            HTTPRequest(
                method: "POST", url: server.baseURL + "/echo", headers: [HTTPHeader("Content-Type", "application/json")], body: .bytes(bytes)))
        #expect(response.status == 201)
        #expect(response.body == bytes)
        #expect(response.headers.value(for: "X-Body-Length") == String(bytes.count))
        #expect(response.headers.value(for: "Content-Type") == "application/json")
    }

    @Test("a form body is urlencoded, + / = escaped; other methods keep their body")
    func formAndMethods() async throws {
        let response = try await client.send(
            HTTPRequest(
                method: "POST", url: server.baseURL + "/echo", body: .form([HTTPHeader("hash", "a+b/c="), HTTPHeader("msg", "İki kelime")])))
        #expect(response.bodyText == "hash=a%2Bb%2Fc%3D&msg=%C4%B0ki+kelime")
        #expect(response.headers.value(for: "Content-Type") == "application/x-www-form-urlencoded")
        let put = try await client.send(HTTPRequest(method: "PUT", url: server.baseURL + "/echo", body: .bytes(Data("x".utf8))))
        #expect(put.headers.value(for: "X-Method") == "PUT" && put.bodyText == "x")
    }

    @Test("a 503 is a response, not an error")
    func serverError() async throws {
        let response = try await client.send(HTTPRequest(url: server.baseURL + "/status/503"))
        #expect(response.status == 503)
        #expect(response.bodyText == "status body")
    }

    @Test("connection refused is a typed error naming the URL and what to do")
    func refused() async throws {
        let url = "http://127.0.0.1:\(try closedLoopbackPort())/callback"
        await #expect {
            _ = try await client.send(HTTPRequest(url: url, timeout: .seconds(5)))
        } throws: { error in
            guard let error = error as? HTTPClientError, case .cannotConnect = error else { return false }
            return error.description.hasPrefix("cannot connect to \(url): ") && error.description.contains("check that the service is running")
        }
    }

    @Test("a slow server hits the timeout as a typed error")
    func timeout() async throws {
        await #expect(throws: HTTPClientError.timedOut(url: server.baseURL + "/slow?ms=3000", after: .milliseconds(300))) {
            _ = try await client.send(HTTPRequest(url: server.baseURL + "/slow?ms=3000", timeout: .milliseconds(300)))
        }
        #expect(
            HTTPClientError.timedOut(url: "http://x", after: .seconds(2)).description
                == "no response from http://x within 2 s; check that the service is up, or raise the timeout")
    }

    @Test("a URL without http:// or https:// is refused before any lookup", arguments: ["ftp//nope", "file:///etc/passwd", "127.0.0.1:1/x"])
    func badURL(url: String) async {
        await #expect(throws: HTTPClientError.invalidURL(url: url, detail: "it does not start with http:// or https://")) {
            _ = try await client.send(HTTPRequest(url: url))
        }
    }

    @Test("many concurrent requests on one client all complete")
    func concurrent() async throws {
        let client = self.client
        let url = server.baseURL + "/hello"
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 { group.addTask { try await client.send(HTTPRequest(url: url)).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 40))
    }

    @Test("https to a plain-HTTP server is a TLS error, not a hang or a response")
    func tlsFailure() async throws {
        let url = "https://127.0.0.1:\(server.port)/hello"
        await #expect {
            _ = try await client.send(HTTPRequest(url: url, timeout: .seconds(5)))
        } throws: { error in
            guard let error = error as? HTTPClientError, case .tls = error else { return false }
            return error.description.hasPrefix("TLS with \(url) failed: ")
        }
    }

    @Test("an empty POST body is sent as Content-Length 0; HEAD returns headers only")
    func emptyBodyAndHead() async throws {
        let empty = try await client.send(HTTPRequest(method: "POST", url: server.baseURL + "/echo", body: .bytes(Data())))
        #expect(empty.status == 201 && empty.body.isEmpty && empty.headers.value(for: "X-Body-Length") == "0")
        let head = try await client.send(HTTPRequest(method: "HEAD", url: server.baseURL + "/hello"))
        #expect(head.status == 200 && head.body.isEmpty && head.headers.value(for: "Content-Length") == "5")
    }
}
