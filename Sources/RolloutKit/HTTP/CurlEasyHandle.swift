import CCurl
import Foundation

/// The one owner of a libcurl easy handle. The raw pointer never leaves this type; `deinit`
/// frees it. libcurl is loaded when the first handle is made (see `CCurl/shim.h`).
///
/// `@unchecked Sendable`: a handle is only ever used by one thread at a time; `HTTPClient`
/// takes it out of its pool under a lock, runs one transfer on a worker thread, and puts it back.
final class CurlEasyHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let api: UnsafePointer<ccurl_api>

    /// libcurl loaded and initialised, once per process (Swift runs a static `let` initialiser
    /// exactly once, thread-safely), or why it could not be.
    private static let library: Result<Library, HTTPClientError> = {
        let api = UnsafeMutablePointer<ccurl_api>.allocate(capacity: 1)
        api.initialize(to: ccurl_api())
        var reason = [CChar](repeating: 0, count: 512)
        guard ccurl_load(api, &reason, reason.count) == 0 else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(.libraryMissing(detail: text))
        }
        guard api.pointee.global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK else {
            return .failure(.libraryMissing(detail: "curl_global_init failed"))
        }
        return .success(Library(api: UnsafePointer(api)))
    }()

    /// The loaded function table: written once before it is shared, never freed.
    private struct Library: @unchecked Sendable {
        let api: UnsafePointer<ccurl_api>
    }

    /// `url` only names the request that needed the handle in an error.
    init(for url: String) throws(HTTPClientError) {
        let api = try Self.library.get().api
        guard let handle = api.pointee.easy_init() else {
            throw .transfer(url: url, detail: "libcurl could not create a handle (out of memory?)")
        }
        self.api = api
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        api.pointee.easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Runs `request` to completion on the calling thread (blocking).
    func perform(_ request: HTTPRequest) -> Result<HTTPResponse, HTTPClientError> {
        // Refuse anything but an absolute http(s) URL before curl guesses a scheme for it and
        // looks its "host" up in DNS.
        let lowered = request.url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            return .failure(.invalidURL(url: request.url, detail: "it does not start with http:// or https://"))
        }
        // Reset options but keep live connections for reuse.
        api.pointee.easy_reset(handle)
        errorBuffer[0] = 0
        let sink = ResponseSink()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { api.pointee.slist_free_all(headerList) }

        var setupFailed = false
        func set(_ code: CURLcode) { if code != CURLE_OK { setupFailed = true } }

        set(ccurl_setopt_string(api, handle, CURLOPT_URL, request.url))
        set(ccurl_setopt_pointer(api, handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(ccurl_setopt_long(api, handle, CURLOPT_NOSIGNAL, 1))
        set(ccurl_setopt_string(api, handle, CURLOPT_NOPROXY, "*"))
        set(ccurl_setopt_string(api, handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_setopt_string(api, handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        set(ccurl_setopt_long(api, handle, CURLOPT_TIMEOUT_MS, Int(max(1, request.timeout.milliseconds.rounded(.up)))))
        set(ccurl_setopt_long(api, handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0))
        if request.followRedirects { set(ccurl_setopt_long(api, handle, CURLOPT_MAXREDIRS, 10)) }
        set(ccurl_setopt_long(api, handle, CURLOPT_SSL_VERIFYPEER, request.verifiesTLS ? 1 : 0))
        set(ccurl_setopt_long(api, handle, CURLOPT_SSL_VERIFYHOST, request.verifiesTLS ? 2 : 0))

        var headers = request.headers
        let method = request.method.uppercased()
        if let (bytes, contentType) = request.encodedBody {
            if headers.value(for: "Content-Type") == nil { headers.append(HTTPHeader("Content-Type", contentType)) }
            set(ccurl_setopt_off_t(api, handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
            // COPYPOSTFIELDS copies exactly POSTFIELDSIZE bytes, so embedded NULs survive.
            bytes.withUnsafeBytes { raw in
                let empty: [UInt8] = [0]
                if let base = raw.baseAddress {
                    set(ccurl_setopt_pointer(api, handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base)))
                } else {
                    empty.withUnsafeBytes {
                        set(ccurl_setopt_pointer(api, handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)))
                    }
                }
            }
            if method != "POST" { set(ccurl_setopt_string(api, handle, CURLOPT_CUSTOMREQUEST, method)) }
            // Without this curl waits up to a second for `100 Continue` on bodies over 1 KiB.
            headers.append(HTTPHeader("Expect", ""))
        } else if method == "HEAD" {
            set(ccurl_setopt_long(api, handle, CURLOPT_NOBODY, 1))
        } else if method != "GET" {
            set(ccurl_setopt_string(api, handle, CURLOPT_CUSTOMREQUEST, method))
        }
        for header in headers {
            // curl reads `Name:` as "remove this header" and `Name;` as "send it empty".
            let line =
                if header.value.isEmpty {
                    header.name.caseInsensitiveCompare("Expect") == .orderedSame ? "Expect:" : "\(header.name);"
                } else {
                    "\(header.name): \(header.value)"
                }
            headerList = api.pointee.slist_append(headerList, line)
        }
        set(ccurl_setopt_slist(api, handle, CURLOPT_HTTPHEADER, headerList))

        let code: CURLcode = withExtendedLifetime(sink) {
            let context = Unmanaged.passUnretained(sink).toOpaque()
            set(ccurl_setopt_data_cb(api, handle, CURLOPT_WRITEFUNCTION, writeBody))
            set(ccurl_setopt_pointer(api, handle, CURLOPT_WRITEDATA, context))
            set(ccurl_setopt_data_cb(api, handle, CURLOPT_HEADERFUNCTION, writeHeader))
            set(ccurl_setopt_pointer(api, handle, CURLOPT_HEADERDATA, context))
            if setupFailed { return CURLE_FAILED_INIT }
            return api.pointee.easy_perform(handle)
        }
        guard code == CURLE_OK else { return .failure(error(for: code, request: request)) }

        var status = 0
        _ = ccurl_getinfo_long(api, handle, CURLINFO_RESPONSE_CODE, &status)
        var redirect: UnsafeMutablePointer<CChar>?
        _ = ccurl_getinfo_string(api, handle, CURLINFO_REDIRECT_URL, &redirect)
        let tls = microseconds(CURLINFO_APPCONNECT_TIME_T)
        let timings = HTTPTimings(
            connect: microseconds(CURLINFO_CONNECT_TIME_T),
            tls: tls == .zero ? nil : tls,
            firstByte: microseconds(CURLINFO_STARTTRANSFER_TIME_T),
            total: microseconds(CURLINFO_TOTAL_TIME_T)
        )
        return .success(
            HTTPResponse(
                status: status, headers: sink.headers, body: sink.body, timings: timings,
                redirectURL: redirect.map { String(cString: $0) }
            ))
    }

    private func microseconds(_ info: CURLINFO) -> Duration {
        var value: curl_off_t = 0
        _ = ccurl_getinfo_off_t(api, handle, info, &value)
        return .microseconds(value)
    }

    private func error(for code: CURLcode, request: HTTPRequest) -> HTTPClientError {
        let detail =
            errorBuffer[0] != 0
            ? String(cString: errorBuffer) : (api.pointee.easy_strerror(code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)")
        switch code {
        case CURLE_COULDNT_CONNECT:
            return .cannotConnect(url: request.url, detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(url: request.url, after: request.timeout)
        case CURLE_COULDNT_RESOLVE_HOST:
            return .dns(url: request.url, host: URLComponents(string: request.url)?.host ?? request.url)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED:
            return .tls(url: request.url, detail: detail)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidURL(url: request.url, detail: detail)
        default:
            return .transfer(url: request.url, detail: detail)
        }
    }
}

/// Collects what libcurl's callbacks deliver during one transfer.
private final class ResponseSink {
    var body = Data()
    var headers: [HTTPHeader] = []

    func addHeaderLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            // A new status line: an interim response (100 Continue) or the next hop; start over.
            headers.removeAll()
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(name, value))
        }
    }
}

private let writeBody: ccurl_data_cb = { pointer, size, count, context in
    let length = size * count
    guard let pointer, let context else { return 0 }
    Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue().body.append(
        UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
    return length
}

private let writeHeader: ccurl_data_cb = { pointer, size, count, context in
    let length = size * count
    guard let pointer, let context else { return 0 }
    let line = String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue().addHeaderLine(line)
    return length
}
