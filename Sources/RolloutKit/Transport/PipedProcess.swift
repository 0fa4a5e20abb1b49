import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A local child process whose stdin is fed and whose stdout and stderr are drained together
/// with poll(2), so neither pipe can fill up and stall the other (the >64 KB deadlock of
/// reading one pipe after the other). Used by `LocalTransport` (sh) and `OpenSSHTransport` (ssh).
struct PipedProcess {
    var executable: String
    var arguments: [String]
    var environment: [String: String]?

    /// How a run ended.
    enum Outcome {
        case exited(status: Int32)
        case signalled(name: String)
        /// The deadline passed (or the task was cancelled) and `stop` was called.
        case stopped(cancelled: Bool)
    }

    /// What to do when the deadline passes: `terminate` once (given the process group the
    /// bootstrap reported and the child), then `escalate` if the pipes stay open 3 s longer.
    struct Stopping {
        var terminate: (_ processGroup: Int32?, _ child: pid_t) -> Void
        var escalate: (_ processGroup: Int32?, _ child: pid_t) -> Void
    }

    /// Runs to completion, blocking the calling thread.
    func run(
        input: [UInt8], collecting collected: inout CommandOutput, deadline: ContinuousClock.Instant?, stopping: Stopping
    ) throws(TransportError) -> Outcome {
        _ = Self.ignoreSIGPIPE
        let child = try SpawnedProcess(executable: executable, arguments: arguments, environment: environment)
        var streams: [(fd: Int32, kind: OutputStreamKind)] = [(child.stdoutFD, .stdout), (child.stderrFD, .stderr)]
        for fd in [child.stdinFD] + streams.map(\.fd) { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var written = 0
        var stoppedAt: ContinuousClock.Instant?
        var cancelled = false
        var escalated = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }

        if input.isEmpty { child.closeInput() }

        while !streams.isEmpty {
            var fds = streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if child.stdinFD >= 0 { fds.append(pollfd(fd: child.stdinFD, events: Int16(POLLOUT), revents: 0)) }
            var wait: Int32 = 1000
            if let deadline, stoppedAt == nil { wait = max(0, min(wait, TCPConnector.milliseconds(until: deadline))) }
            if stoppedAt != nil { wait = 100 }
            _ = poll(&fds, nfds_t(fds.count), wait)
            for (index, pfd) in fds.enumerated() where pfd.revents != 0 {
                if index < streams.count {
                    let n = read(pfd.fd, buffer.baseAddress, buffer.count)
                    if n > 0 {
                        collected.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), from: streams[index].kind)
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        streams[index].fd = -1
                    }
                } else if child.stdinFD >= 0 {
                    let n = input.withUnsafeBytes {
                        write(child.stdinFD, $0.baseAddress!.advanced(by: written), min(input.count - written, 64 * 1024))
                    }
                    if n > 0 {
                        written += n
                        if written == input.count { child.closeInput() }
                    } else if errno != EAGAIN && errno != EINTR {
                        child.closeInput()  // the command closed its stdin or exited: the rest is not wanted
                    }
                }
            }
            streams.removeAll { $0.fd < 0 }
            let now = ContinuousClock.now
            if let stoppedAt {
                if !escalated && now - stoppedAt > .seconds(3) {
                    stopping.escalate(collected.processID, child.pid)
                    escalated = true
                } else if now - stoppedAt > .seconds(8) {
                    break  // something outside the group holds the pipes open
                }
            } else if deadline.map({ now >= $0 }) ?? false || Task.isCancelled {
                cancelled = !(deadline.map { now >= $0 } ?? false)
                stopping.terminate(collected.processID, child.pid)
                stoppedAt = ContinuousClock.now
            }
        }
        child.closeInput()
        if stoppedAt != nil {
            if !escalated { stopping.escalate(collected.processID, child.pid) }
            _ = child.wait()
            return .stopped(cancelled: cancelled)
        }
        switch child.wait() {
        case .exited(let status): return .exited(status: status)
        case .signalled(let number): return .signalled(name: SignalName.of(number))
        }
    }

    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}
