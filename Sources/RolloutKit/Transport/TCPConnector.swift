#if canImport(Glibc)
    import Glibc
#endif

/// Opens TCP connections from this machine, for SSH sessions and `wait_for: { tcp: … }` alike:
/// every address the name resolves to is tried in order, non-blocking against one deadline,
/// and each socket is close-on-exec from its first instant, so that no local command started
/// meanwhile by another thread inherits it and keeps the connection open.
enum TCPConnector {
    /// Why no connection was made.
    enum Failure: Error, Sendable {
        case unresolvable(String)
        case refused
        case timedOut
        /// No socket: the process or the system has no file descriptor left.
        case outOfFileDescriptors
        case other(String)
    }

    /// A connected, blocking-mode-unset (non-blocking) socket, or why there is none.
    static func connect(host: String, port: Int, timeout: Duration) -> Result<Int32, Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            return .failure(.unresolvable("cannot resolve \(host): \(String(cString: gai_strerror(rc)))"))
        }
        defer { freeaddrinfo(list) }
        let deadline = ContinuousClock.now + timeout
        var failure = Failure.other("no address to connect to")
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            let flags = Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            let fd = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype | flags, info.pointee.ai_protocol)
            guard fd >= 0 else {
                // Another address would fail the same way: say so now, not "no address".
                if errno == EMFILE || errno == ENFILE { return .failure(.outOfFileDescriptors) }
                continue
            }
            var status = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 ? 0 : errno
            if status == EINPROGRESS {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let left = milliseconds(until: deadline)
                if left > 0, poll(&poller, 1, left) == 1 {
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &length)
                } else {
                    status = ETIMEDOUT
                }
            }
            if status == 0 { return .success(fd) }
            close(fd)
            switch status {
            case ECONNREFUSED: failure = .refused
            case ETIMEDOUT: failure = .timedOut
            default: failure = .other(String(cString: strerror(status)))
            }
        }
        return .failure(failure)
    }

    /// Milliseconds left until `deadline`, for `poll`; 0 once it has passed.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let (s, atto) = (deadline - ContinuousClock.now).components
        let ms = s * 1000 + atto / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms))
    }
}
