import Foundation

/// Sends HTTP requests with libcurl, without the conveniences that hide what a deploy check
/// needs to see: redirects are not followed unless asked, a 5xx is a response and not an error,
/// TLS is verified, and every exchange reports its phase timings.
///
/// Requests may run concurrently; each one takes an idle curl handle from the client's pool (or
/// makes one) so connections to the same host are reused. The blocking transfer runs on a thread
/// of its own: never on Swift's cooperative pool, and not on Dispatch's width-limited global
/// pool either, where a few slow transfers would hold up every other request.
public final class HTTPClient: @unchecked Sendable {
    // Guarded by `lock`.
    private var idleHandles: [CurlEasyHandle] = []
    private let lock = NSLock()
    /// Sessions the check suites of this run signed in with (`login:`), reused until they expire.
    public let sessions = LoginSessionStore()

    public init() {}

    /// Sends `request` and returns whatever response came back, whatever its status.
    public func send(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let result: Result<HTTPResponse, HTTPClientError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let handle: CurlEasyHandle
                do throws(HTTPClientError) {
                    handle = try self.checkOut(for: request.url)
                } catch {
                    continuation.resume(returning: .failure(error))
                    return
                }
                let result = handle.perform(request)
                self.checkIn(handle)
                continuation.resume(returning: result)
            }
            thread.name = "rollout.http"
            thread.start()
        }
        return try result.get()
    }

    private func checkOut(for url: String) throws(HTTPClientError) -> CurlEasyHandle {
        if let idle = lock.withLock({ idleHandles.popLast() }) { return idle }
        return try CurlEasyHandle(for: url)
    }

    private func checkIn(_ handle: CurlEasyHandle) {
        lock.withLock { idleHandles.append(handle) }
    }
}
