import CLibSSH2
import Foundation

/// A shell kept running on one channel of an `SSHSession`, running commands one after another.
///
/// An exec channel costs the host a fork of sshd and two execs of the shell for every command,
/// which on a busy host is more than the round trip itself; a run's commands (its lock, each
/// step with its journal lines, its unlock) cost only a write, a subshell and a read here.
///
/// The shell reads its stdin as a script (`. /dev/fd/0`), so it takes in what arrives a block
/// at a time: the `read` builtin, which takes a pipe one byte per system call, cost a host 8 ms
/// of CPU for the 8 KB a run of ten steps sends, more than the steps. Each command is one line
/// of that script, `(eval 'PROGRAM') </dev/null`, the program (the exports, `cd` and script as
/// `CommandBootstrap` renders them) quoted as one word so that nothing in it can break the
/// script; then a line writes `<marker> <status>\n` on stdout and on stderr (`CommandEndMarker`
/// finds and removes them). The command is done when both have arrived. The marker is random
/// per shell, so no command prints it by chance, and it is only ever in that text, never in a
/// variable a command could print. A `ShellLibrary`'s definitions go ahead of a command that
/// needs them, in the same write, when the shell's last definitions were another library's,
/// and are evaluated in the shell itself; a command that runs in place
/// (`RemoteCommand.runsInPlace`) is evaluated in the shell itself too, saving the subshell's
/// fork.
///
/// Commands share the shell's process group, so killing one would also reach what earlier
/// commands left running in the background: commands that may need killing (a timeout) and
/// commands with stdin keep their own exec channel (`SSHTransport` chooses). When a command
/// ends the shell itself (`kill $$`), its result is the channel's exit and the shell is done.
final class PersistentShell {
    let session: SSHSession
    private let channel: SSHChannel
    private var stdoutEnd: CommandEndMarker
    private var stderrEnd: CommandEndMarker
    /// The shell's process group, from the first line it writes on stderr.
    private var processGroup: Int32?
    /// That line, until its newline arrives.
    private var header: [UInt8] = []
    private var headerRead = false
    private let marker: String
    /// False once the shell has exited; the owner then starts a new one.
    private(set) var isAlive = true
    /// The library this shell defined last. Only that one counts as defined: libraries define
    /// the same names (every run's journal functions are `rollout_run`), so defining one undoes
    /// what another defined.
    private var definedLibrary: ShellLibrary?

    init(session: SSHSession) throws(LibSSH2Error) {
        self.session = session
        marker = "rollout-end-" + UUID().uuidString
        stdoutEnd = CommandEndMarker(marker: marker)
        stderrEnd = CommandEndMarker(marker: marker)
        channel = try SSHChannel(session: session)
        try channel.exec(Self.commandLine)
    }

    /// The shell, with builtins only: its first stderr line is the process group header, then
    /// it runs what arrives on stdin. Nothing of a command or the marker is on its command line,
    /// where `ps` would print it.
    static let commandLine = "exec /bin/sh -c '\(CommandBootstrap.processGroupHeader) . /dev/fd/0'"

    /// The script lines that run `program` (in the shell itself with `inPlace`, else in a
    /// subshell) with stdin from /dev/null, then write the markers with its status.
    static func script(running program: [UInt8], inPlace: Bool, marker: String) -> [UInt8] {
        var quoted: [UInt8] = [UInt8(ascii: "'")]
        quoted.reserveCapacity(program.count + 64)
        for byte in program {
            if byte == UInt8(ascii: "'") { quoted += Array("'\\''".utf8) } else { quoted.append(byte) }
        }
        quoted.append(UInt8(ascii: "'"))
        return Array((inPlace ? "eval " : "(eval ").utf8) + quoted + Array("\(inPlace ? "" : ")") </dev/null\n".utf8)
            + Array("rollout_status=$?; printf '%s %s\\n' \(marker) $rollout_status; printf '%s %s\\n' \(marker) $rollout_status >&2\n".utf8)
    }

    /// Runs one command and waits for its markers. `.notStarted` means the shell had already
    /// exited and nothing was sent: the caller may start a new shell and try again.
    /// `library` is defined first unless this shell already has it; with `inPlace` the program
    /// runs in the shell itself (see `RemoteCommand.runsInPlace`).
    func execute(
        _ bootstrap: CommandBootstrap, library: ShellLibrary? = nil, inPlace: Bool = false, outputLimit: Int,
        output: (@Sendable (OutputChunk) -> Void)?
    ) throws(SSHCommandFailure) -> CommandResult {
        if channel.receivedEOF {
            isAlive = false
            throw .notStarted(
                LibSSH2Error(
                    code: LIBSSH2_ERROR_CHANNEL_CLOSED,
                    message: "the shell rollout keeps open on this connection had exited and a new one could not be started"))
        }
        let start = ContinuousClock.now
        var collected = CommandOutput(limit: outputLimit, callback: output, processGroupHeader: false)
        var input: [UInt8] = []
        if let library, library != definedLibrary {
            input += Array(library.definitions.utf8)
            if input.last != UInt8(ascii: "\n") { input.append(UInt8(ascii: "\n")) }
        }
        input += Self.script(running: bootstrap.program, inPlace: inPlace, marker: marker)
        // Once written the definitions are the shell's, whatever the command does; a shell
        // that dies with them half-read is not used again.
        if let library { definedLibrary = library }
        let end: End
        do {
            end = try pump(input: input, collecting: &collected)
        } catch let error as LibSSH2Error {
            isAlive = false
            if error.isConnectionLoss { session.isBroken = true }
            throw .lost(error)
        } catch {
            isAlive = false
            throw .lost(LibSSH2Error(code: -1, message: "\(error)"))
        }
        let duration = ContinuousClock.now - start
        switch end {
        case .markers(let status):
            stdoutEnd.next()
            stderrEnd.next()
            return collected.result(exitStatus: status, exitSignal: nil, duration: duration)
        case .shellExited:
            isAlive = false
            try? channel.close()
            let signal = channel.exitSignal
            return collected.result(exitStatus: signal == nil ? channel.exitStatus : nil, exitSignal: signal, duration: duration)
        case .cancelled:
            isAlive = false
            throw .cancelled
        }
    }

    private enum End {
        case markers(status: Int32)
        case shellExited
        case cancelled
    }

    private func pump(input: [UInt8], collecting collected: inout CommandOutput) throws -> End {
        var written = 0
        var killedAt: ContinuousClock.Instant?
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            var progressed = false
            if written < input.count {
                // nil: the shell is gone; its exit is read below.
                let n = try channel.write(input, from: written) ?? (input.count - written)
                written += n
                progressed = n > 0
            }
            let (arrived, drained) = try channel.drain(using: buffer) { stream, chunk in
                let bytes: [UInt8]
                if stream == .stdout {
                    bytes = stdoutEnd.scan(chunk)
                } else if headerRead {
                    bytes = stderrEnd.scan(chunk)
                } else {
                    bytes = readHeader(from: chunk).withUnsafeBytes { stderrEnd.scan($0) }
                }
                bytes.withUnsafeBytes { collected.receive($0, from: stream) }
            }
            progressed = progressed || arrived
            if killedAt == nil, let status = stdoutEnd.status, stderrEnd.status != nil {
                return .markers(status: status)
            }
            if drained && channel.receivedEOF {
                stdoutEnd.flush().withUnsafeBytes { collected.receive($0, from: .stdout) }
                stderrEnd.flush().withUnsafeBytes { collected.receive($0, from: .stderr) }
                return killedAt == nil ? .shellExited : .cancelled
            }
            if progressed { continue }
            if killedAt == nil {
                if Task.isCancelled {
                    try session.killProcessGroup(processGroup)
                    killedAt = ContinuousClock.now
                    continue
                }
            } else if let killedAt, ContinuousClock.now - killedAt > .seconds(5) {
                return .cancelled
            }
            try session.waitForSocket(milliseconds: 1000)
        }
    }

    /// Takes the process group line off the front of the shell's stderr; returns the rest.
    /// A shell that failed before writing it (no such /bin/sh) has its message passed on whole.
    private func readHeader(from chunk: UnsafeRawBufferPointer) -> [UInt8] {
        for (offset, byte) in chunk.enumerated() {
            if byte == UInt8(ascii: "\n") {
                processGroup = Int32(String(decoding: header, as: UTF8.self))
                headerRead = true
                header = []
                return Array(chunk[(offset + 1)...])
            }
            guard (48...57).contains(byte), header.count < 12 else {
                headerRead = true
                defer { header = [] }
                return header + Array(chunk[offset...])
            }
            header.append(byte)
        }
        return []
    }
}
