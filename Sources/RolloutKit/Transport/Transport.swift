public import Foundation

/// A way to run commands and move files on one host.
///
/// Every step talks to its host only through this protocol, so a step works the same over
/// libssh2 (`SSHTransport`), the system `ssh` (`OpenSSHTransport`) and this machine
/// (`LocalTransport`). Implementations serialise their own use: callers may share one value
/// between tasks, and commands on one transport run one at a time.
public protocol Transport: Sendable {
    /// The host this transport reaches, for messages ("deploy@127.0.0.1:2222").
    var endpoint: String { get }

    /// Runs `command` and waits for it to end.
    ///
    /// A non-zero exit status or a signal is reported in the result, never thrown. Throws
    /// `TransportError` when the command could not be started, timed out, or when the connection
    /// dropped while it ran (then the command's outcome is unknown).
    /// `output`, when given, receives each chunk of stdout and stderr as it arrives.
    func run(_ command: RemoteCommand, output: (@Sendable (OutputChunk) -> Void)?) async throws -> CommandResult

    /// Writes `contents` to `path` atomically: a temporary name in the same directory, fsync,
    /// then rename over the target, so a reader sees the old file or the new one, never half.
    func upload(_ contents: [UInt8], to path: String, options: UploadOptions) async throws

    /// Copies the remote file at `path` to the local file `destination`, streaming.
    func download(_ path: String, to destination: URL) async throws

    /// Reads a small remote file whole; throws when it is larger than `limit` bytes.
    func readFile(_ path: String, limit: Int) async throws -> [UInt8]

    /// Metadata of the remote file at `path`, or nil when nothing is there.
    func stat(_ path: String) async throws -> FileStatus?

    /// Closes the connection. Later calls reconnect.
    func close() async
}

/// A shell command to run on a host.
public struct RemoteCommand: Sendable, Hashable {
    /// Shell text, run by `/bin/sh` on the host. Never appears on the remote command line
    /// when `sensitive` is true: it then travels on the channel's stdin.
    public var script: String
    /// Working directory; nil leaves the login directory.
    public var cwd: String?
    /// Variables exported to the script. Values never appear on any command line.
    public var environment: [String: String]
    /// Bytes given to the command on stdin, after which stdin is closed.
    public var stdin: [UInt8]
    /// Killed (with its whole process group) when it runs longer than this.
    public var timeout: Duration?
    /// The script itself carries secrets: keep it off every command line.
    public var sensitive: Bool
    /// Functions the script calls, defined by the transport in the shell that runs it.
    public var library: ShellLibrary?
    /// The script is one call of a `library` function that returns (never exits), changes
    /// nothing in the shell a later command could see, and reads no stdin: a `PersistentShell`
    /// runs it in place, without the subshell (a fork) other commands get. Ignored unless the
    /// command has a library, and no `cwd`, `environment`, `stdin` or `timeout`.
    public var runsInPlace: Bool

    public init(
        _ script: String,
        cwd: String? = nil,
        environment: [String: String] = [:],
        stdin: [UInt8] = [],
        timeout: Duration? = nil,
        sensitive: Bool = false,
        library: ShellLibrary? = nil,
        runsInPlace: Bool = false
    ) {
        self.script = script
        self.cwd = cwd
        self.environment = environment
        self.stdin = stdin
        self.timeout = timeout
        self.sensitive = sensitive
        self.library = library
        self.runsInPlace = runsInPlace
    }

    /// Whether a `PersistentShell` may run this command in place (see `runsInPlace`).
    var canRunInPlace: Bool {
        runsInPlace && library != nil && cwd == nil && environment.isEmpty && stdin.isEmpty && timeout == nil
    }
}

extension Transport {
    /// Runs `command` without streaming its output (see `run(_:output:)`).
    public func run(_ command: RemoteCommand) async throws -> CommandResult {
        try await run(command, output: nil)
    }
}

extension RemoteCommand {
    /// The command as error messages show it: its first line, shortened; never a sensitive script.
    /// A line that only records a step's undo (`rollout_undo …`) is not the command's own.
    public var summary: String {
        if sensitive { return "(sensitive script)" }
        let lines = script.split(separator: "\n", omittingEmptySubsequences: true)
        let own = lines.drop { $0.hasPrefix("rollout_undo ") }
        let firstLine = (own.first ?? lines.first).map(String.init) ?? ""
        let more = firstLine.count > 80 || own.count > 1
        return String(firstLine.prefix(80)) + (more ? " …" : "")
    }
}

/// Which stream a chunk of output came from.
public enum OutputStreamKind: String, Sendable, Hashable, Codable {
    case stdout, stderr
}

/// Bytes a command wrote, exactly as they arrived (not necessarily whole lines or whole
/// UTF-8 characters).
public struct OutputChunk: Sendable, Hashable {
    public var stream: OutputStreamKind
    public var bytes: [UInt8]

    public init(stream: OutputStreamKind, bytes: [UInt8]) {
        self.stream = stream
        self.bytes = bytes
    }
}

/// How a command ended and what it printed.
public struct CommandResult: Sendable, Hashable {
    /// Exit status, nil when the command was ended by a signal.
    public var exitStatus: Int32?
    /// Signal name without "SIG" ("TERM"), when the command was ended by one.
    public var exitSignal: String?
    /// Captured stdout: whole when small, otherwise the tail (see `stdoutTruncatedBytes`).
    public var stdout: [UInt8]
    /// Captured stderr, bounded the same way.
    public var stderr: [UInt8]
    /// Bytes dropped from the front of `stdout` to bound memory.
    public var stdoutTruncatedBytes: Int
    /// Bytes dropped from the front of `stderr`.
    public var stderrTruncatedBytes: Int
    /// Wall time from start to exit.
    public var duration: Duration

    public init(
        exitStatus: Int32?,
        exitSignal: String? = nil,
        stdout: [UInt8] = [],
        stderr: [UInt8] = [],
        stdoutTruncatedBytes: Int = 0,
        stderrTruncatedBytes: Int = 0,
        duration: Duration = .zero
    ) {
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncatedBytes = stdoutTruncatedBytes
        self.stderrTruncatedBytes = stderrTruncatedBytes
        self.duration = duration
    }

    /// True when the command exited with status 0.
    public var succeeded: Bool { exitStatus == 0 }

    /// stdout decoded leniently (invalid UTF-8 becomes U+FFFD), for messages and assertions.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr decoded leniently.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Options for `Transport.upload`.
public struct UploadOptions: Sendable, Hashable {
    /// Permission bits of the new file (e.g. 0o600); nil keeps the existing file's mode, or 0o644.
    public var mode: UInt32?
    /// `user` or `user:group`; nil keeps the existing owner (or the login user's).
    public var owner: String?

    public init(mode: UInt32? = nil, owner: String? = nil) {
        self.mode = mode
        self.owner = owner
    }
}

/// What `Transport.stat` reports.
public struct FileStatus: Sendable, Hashable, Codable {
    public var size: UInt64
    /// Permission bits only (e.g. 0o644).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var isDirectory: Bool

    public init(size: UInt64, mode: UInt32, uid: UInt32, gid: UInt32, isDirectory: Bool) {
        self.size = size
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.isDirectory = isDirectory
    }
}
