import CLibSSH2
import Foundation

/// A shell kept running on one channel of an `SSHSession`, running commands one after another.
///
/// An exec channel costs the host a fork of sshd and two execs of the shell for every command,
/// which on a busy host is more than the round trip itself; a run's commands (its lock, each
/// step with its journal lines, its unlock) cost only a write, a subshell and a read here.
///
/// For each command the shell reads a line with the program's line count and then the program
/// (the exports, `cd` and script as `CommandBootstrap` renders them) with the `read` builtin,
/// runs it in a subshell with stdin from /dev/null, and writes `<marker> <status>\n` on
/// stdout and on stderr (`CommandEndMarker` finds and removes them). The command is done when
/// both have arrived. The marker is random per shell, so no command prints it by chance.
/// A count prefixed with `d` is a `ShellLibrary`'s definitions, evaluated in the shell itself
/// (no subshell, no markers), in the same write as a command that needs them when the shell's
/// last definitions were another library's; one
/// prefixed with `p` is a command that runs in place (`RemoteCommand.runsInPlace`): evaluated
/// in the shell itself, saving the subshell's fork.
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
    private var markerSent = false
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

    /// The loop, with builtins only; its first stderr line is the process group header. It
    /// reads the marker as its first line of input, so the marker is not on its command line
    /// (where `ps` would print it), and clears it in each command's subshell.
    static let commandLine =
        "exec /bin/sh -c '\(CommandBootstrap.processGroupHeader) IFS= read -r m; "
        + "while IFS= read -r n; do k=${n%%[0-9]*}; n=${n#\"$k\"}; s=; "
        + "while [ $n -gt 0 ] && IFS= read -r l; do s=\"$s$l\n\"; n=$((n-1)); done; "
        + "case $k in d) eval \"$s\"; continue;; p) eval \"$s\" </dev/null;; *) (m=; eval \"$s\") </dev/null;; esac; "
        + "r=$?; printf \"%s %s\\n\" \"$m\" $r; printf \"%s %s\\n\" \"$m\" $r >&2; done'"

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
        var input = Array((markerSent ? "" : marker + "\n").utf8)
        if let library, library != definedLibrary {
            let definitions = Array(library.definitions.utf8)
            input += Array("d\(definitions.reduce(0) { $0 + ($1 == 10 ? 1 : 0) })\n".utf8) + definitions
        }
        input += Array("\(inPlace ? "p" : "")\(bootstrap.lineCount)\n".utf8) + bootstrap.program
        markerSent = true
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
