import CLibSSH2

/// A libssh2 call that failed: its code and the session's message for it.
struct LibSSH2Error: Error, CustomStringConvertible {
    var code: Int32
    var message: String

    /// True when the TCP connection (not just one request) is gone: the session is unusable.
    var isConnectionLoss: Bool {
        [
            LIBSSH2_ERROR_SOCKET_NONE, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_DISCONNECT,
            LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_TIMEOUT,
        ]
        .contains(code)
    }

    var description: String { message.isEmpty ? "libssh2 error \(code)" : message }
}
