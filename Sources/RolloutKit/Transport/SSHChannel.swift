import CLibSSH2

/// One libssh2 channel ("session" type) on an `SSHSession`; freed in deinit. Keeps its session
/// alive, since a channel must be freed before the session it belongs to.
final class SSHChannel {
    let session: SSHSession
    let raw: OpaquePointer

    init(session: SSHSession) throws(LibSSH2Error) {
        self.session = session
        raw = try session.call { cssh_channel_open_session(session.raw) }
    }

    deinit {
        // libssh2 may need to send a close message; in non-blocking mode it would give up
        // with EAGAIN and leak the channel, so free it in blocking mode with a short bound.
        if !session.isBroken {
            libssh2_session_set_timeout(session.raw, 2000)
            libssh2_session_set_blocking(session.raw, 1)
        }
        libssh2_channel_free(raw)
        libssh2_session_set_blocking(session.raw, 0)
        libssh2_session_set_timeout(session.raw, 0)
    }

    func exec(_ commandLine: String) throws(LibSSH2Error) {
        let length = UInt32(commandLine.utf8.count)
        try session.call { cssh_channel_exec(raw, commandLine, length) }
    }

    /// Reads what is buffered on `stream`: > 0 bytes, 0 at end of stream, EAGAIN, or an error.
    func read(_ stream: OutputStreamKind, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let base = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
        switch stream {
        case .stdout: return cssh_channel_read(raw, base, buffer.count)
        case .stderr: return cssh_channel_read_stderr(raw, base, buffer.count)
        }
    }

    var receivedEOF: Bool { libssh2_channel_eof(raw) != 0 }

    /// Writes as much of `bytes[offset...]` as the channel takes now (up to 64 KiB): the count
    /// written, 0 when it would block, or nil when the remote side no longer reads its input.
    /// Throws only when the connection is gone.
    func write(_ bytes: [UInt8], from offset: Int) throws(LibSSH2Error) -> Int? {
        let n = bytes.withUnsafeBytes { buffer in
            cssh_channel_write(
                raw, buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                min(bytes.count - offset, 64 * 1024))
        }
        if n >= 0 { return n }
        if n == Int(LIBSSH2_ERROR_EAGAIN) { return 0 }
        let error = session.lastError(Int32(clamping: n))
        if error.isConnectionLoss { throw error }
        return nil
    }

    /// Hands everything buffered on stdout and stderr to `receive`. `progressed`: something
    /// arrived; `drained`: neither stream would block (both are empty or at their end).
    func drain(
        using buffer: UnsafeMutableRawBufferPointer, _ receive: (OutputStreamKind, UnsafeRawBufferPointer) -> Void
    ) throws(LibSSH2Error) -> (progressed: Bool, drained: Bool) {
        var progressed = false
        var drained = true
        for stream in [OutputStreamKind.stdout, .stderr] {
            while true {
                let n = read(stream, into: buffer)
                if n > 0 {
                    receive(stream, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    progressed = true
                } else if n == Int(LIBSSH2_ERROR_EAGAIN) {
                    drained = false
                    break
                } else if n == 0 {
                    break
                } else {
                    throw session.failure(Int32(clamping: n))
                }
            }
        }
        return (progressed, drained)
    }

    /// Closes our side and waits for the server's close, after which the exit status is known.
    func close() throws(LibSSH2Error) {
        try session.call { libssh2_channel_close(raw) }
        try session.call { libssh2_channel_wait_closed(raw) }
    }

    var exitStatus: Int32 { libssh2_channel_get_exit_status(raw) }

    /// Signal name without "SIG", when the command was ended by one.
    var exitSignal: String? {
        var name: UnsafeMutablePointer<CChar>?
        var length = 0
        guard libssh2_channel_get_exit_signal(raw, &name, &length, nil, nil, nil, nil) == 0, let name else { return nil }
        defer { libssh2_free(session.raw, name) }
        return length > 0 ? String(cString: name) : nil
    }
}
