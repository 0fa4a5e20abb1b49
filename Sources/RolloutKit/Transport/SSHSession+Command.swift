import CLibSSH2

#if canImport(Glibc)
    import Glibc
#endif

/// How a command on an `SSHSession` ended when it did not end by itself.
enum SSHCommandFailure: Error {
    /// The channel could not be opened or the exec request failed: nothing ran.
    case notStarted(LibSSH2Error)
    /// The connection broke after the command started: its outcome is unknown.
    case lost(LibSSH2Error)
    /// The timeout passed; the process group was killed.
    case timedOut
    /// The surrounding task was cancelled; the process group was killed.
    case cancelled
}

extension SSHSession {
    /// Runs `bootstrap` on a new channel, feeding `stdin` after the program, reading stdout and
    /// stderr interleaved as they come. Blocks the calling thread (the transport's executor).
    func execute(
        _ bootstrap: CommandBootstrap,
        stdin: [UInt8],
        timeout: Duration?,
        outputLimit: Int,
        output: (@Sendable (OutputChunk) -> Void)?
    ) throws(SSHCommandFailure) -> CommandResult {
        let start = ContinuousClock.now
        let channel: SSHChannel
        do {
            channel = try SSHChannel(session: self)
            try channel.exec(bootstrap.commandLine)
        } catch {
            throw .notStarted(error)
        }
        var collected = CommandOutput(limit: outputLimit, callback: output)
        do {
            let stop = try pump(
                channel, input: bootstrap.program + stdin, collecting: &collected,
                deadline: timeout.map { start + $0 })
            switch stop {
            case .finished:
                try channel.close()
            case .killed(let cancelled, let exited):
                if exited { try? channel.close() }
                throw cancelled ? SSHCommandFailure.cancelled : .timedOut
            }
        } catch let error as LibSSH2Error {
            if error.isConnectionLoss { isBroken = true }
            throw .lost(error)
        } catch let error as SSHCommandFailure {
            throw error
        } catch {
            throw .lost(LibSSH2Error(code: -1, message: "\(error)"))
        }
        let signal = channel.exitSignal
        return collected.result(
            exitStatus: signal == nil ? channel.exitStatus : nil, exitSignal: signal,
            duration: ContinuousClock.now - start)
    }

    private enum Stop {
        case finished
        case killed(cancelled: Bool, exited: Bool)
    }

    /// Moves bytes both ways until the remote side sends EOF (or is killed after the deadline).
    private func pump(
        _ channel: SSHChannel, input: [UInt8], collecting collected: inout CommandOutput,
        deadline: ContinuousClock.Instant?
    ) throws -> Stop {
        var written = 0
        var inputDone = false
        var killedAt: ContinuousClock.Instant?
        var cancelled = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            var progressed = false
            if !inputDone {
                if written < input.count {
                    if let n = try channel.write(input, from: written) {
                        written += n
                        progressed = n > 0
                    } else {
                        // The command closed its stdin or exited: the rest is not wanted.
                        inputDone = true
                    }
                } else {
                    let rc = cssh_channel_send_eof(channel.raw)
                    if rc != LIBSSH2_ERROR_EAGAIN {
                        let error = lastError(rc)
                        if rc < 0 && error.isConnectionLoss { throw error }
                        inputDone = true
                        progressed = true
                    }
                }
            }
            let (arrived, drained) = try channel.drain(using: buffer) { stream, bytes in collected.receive(bytes, from: stream) }
            progressed = progressed || arrived
            if drained && channel.receivedEOF {
                return killedAt == nil ? .finished : .killed(cancelled: cancelled, exited: true)
            }
            if progressed { continue }
            let now = ContinuousClock.now
            if killedAt == nil {
                let expired = deadline.map { now >= $0 } ?? false
                if expired || Task.isCancelled {
                    cancelled = !expired
                    try killProcessGroup(collected.processID)
                    killedAt = ContinuousClock.now
                    continue
                }
            } else if let killedAt, now - killedAt > .seconds(5) {
                // Something outside the group still holds the channel open; stop waiting.
                return .killed(cancelled: cancelled, exited: false)
            }
            var wait: Int32 = 1000
            if let deadline, killedAt == nil { wait = max(1, min(wait, TCPConnector.milliseconds(until: deadline))) }
            try waitForSocket(milliseconds: wait)
        }
    }

    /// Ends the process group of the remote shell over a second channel of this session.
    func killProcessGroup(_ processID: Int32?) throws(LibSSH2Error) {
        // `kill -1` would reach every process of the login user.
        guard let processID, processID > 1 else { return }
        let killer = try SSHChannel(session: self)
        try killer.exec("/bin/sh -c " + CommandBootstrap.quote(CommandBootstrap.killScript(processGroup: processID)))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            var pending = false
            for stream in [OutputStreamKind.stdout, .stderr] {
                let n = killer.read(stream, into: buffer)
                if n == Int(LIBSSH2_ERROR_EAGAIN) { pending = true } else if n < 0 { throw failure(Int32(clamping: n)) }
            }
            if !pending && killer.receivedEOF { break }
            try waitForSocket(milliseconds: 200)
        }
        try killer.close()
    }
}
