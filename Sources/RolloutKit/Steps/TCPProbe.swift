/// Whether something accepts TCP connections at `host:port`, from the machine running rollout.
enum TCPProbe {
    /// Nil when a connection was accepted within `timeout`, otherwise why not.
    static func connect(host: String, port: Int, timeout: Duration) -> String? {
        switch TCPConnector.connect(host: host, port: port, timeout: timeout) {
        case .success(let fd):
            close(fd)
            return nil
        case .failure(.unresolvable(let reason)), .failure(.other(let reason)):
            return reason
        case .failure(.refused):
            return "connection refused"
        case .failure(.timedOut):
            return "no answer within the probe's timeout"
        case .failure(.outOfFileDescriptors):
            return "rollout has no file descriptor left for the probe (`ulimit -n`)"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
