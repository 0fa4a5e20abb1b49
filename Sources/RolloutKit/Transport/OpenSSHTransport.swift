public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `Transport` through the system `ssh` client (`transport: openssh`): for keys and setups
/// libssh2 1.10 cannot handle (RSA with SHA-2 signatures, ProxyJump, certificates, the user's
/// ssh_config).
///
/// One ControlMaster connection per transport (its socket in a private 0700 directory) carries
/// every command, so only the first pays for the handshake. Commands use the same stdin
/// bootstrap as `SSHTransport`; files travel as `cat` over the master.
///
/// Limit: the `ssh` client drops the exit-signal message, so a command ended by a signal is
/// reported as exit status 255 (with `exitSignal` nil).
public final class OpenSSHTransport: Transport {
    public let target: SSHTarget
    /// Bytes of each stream kept in `CommandResult` (the `output` callback sees all).
    public let outputLimit: Int
    /// The ssh client to run.
    public let sshPath: String
    private let controlDirectory: String

    public var endpoint: String { target.endpoint }

    public init(target: SSHTarget, outputLimit: Int = 1 << 20, sshPath: String = "/usr/bin/ssh") {
        self.target = target
        self.outputLimit = outputLimit
        self.sshPath = sshPath
        var template = Array("/tmp/rollout-ssh-XXXXXX".utf8CString)
        controlDirectory = template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) } ?? "/tmp"
        }
        if let name = target.passphraseVariable, CommandBootstrap.isShellName(name) {
            let askpass = controlDirectory + "/askpass"
            _ = FileManager.default.createFile(
                atPath: askpass, contents: Data("#!/bin/sh\nexec printenv \(name)\n".utf8), attributes: [.posixPermissions: 0o700])
        }
    }

    deinit {
        stopMaster()
        try? FileManager.default.removeItem(atPath: controlDirectory)
    }

    public func close() async {
        stopMaster()
    }

    private func stopMaster() {
        guard FileManager.default.fileExists(atPath: controlPath) else { return }
        _ = try? quickSSH(["-O", "exit"], remote: nil)
    }

    private var controlPath: String { controlDirectory + "/master" }

    /// Options every invocation shares; command-line options win over the user's ssh_config.
    var options: [String] {
        var options = [
            "-p", String(target.port), "-l", target.user,
            "-o", "ControlMaster=auto", "-o", "ControlPath=\(controlPath)", "-o", "ControlPersist=120",
            "-o", "UserKnownHostsFile=\(target.knownHostsFile)", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=\(target.hostKeyPolicy == .strict ? "yes" : "accept-new")",
            "-o", "ConnectTimeout=\(max(1, target.connectTimeoutMilliseconds / 1000))",
            "-o", "ServerAliveInterval=\(target.keepaliveSeconds)", "-o", "ServerAliveCountMax=3",
            "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no", "-o", "LogLevel=ERROR",
        ]
        options += target.passphraseVariable == nil ? ["-o", "BatchMode=yes"] : ["-o", "NumberOfPasswordPrompts=1"]
        if let identity = target.identityFile { options += ["-i", identity, "-o", "IdentitiesOnly=yes"] }
        if target.identityFile == nil, let socket = target.agentSocket { options += ["-o", "IdentityAgent=\(socket)"] }
        return options
    }

    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if target.passphraseVariable != nil {
            environment["SSH_ASKPASS"] = controlDirectory + "/askpass"
            environment["SSH_ASKPASS_REQUIRE"] = "force"
        }
        return environment
    }

    public func run(_ command: RemoteCommand, output: (@Sendable (OutputChunk) -> Void)? = nil) async throws -> CommandResult {
        let bootstrap = try CommandBootstrap(command, endpoint: endpoint)
        return try await offThread { try self.execute(bootstrap, command: command, limit: self.outputLimit, output: output) }
    }

    private func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    private func execute(
        _ bootstrap: CommandBootstrap, command: RemoteCommand, limit: Int, output: (@Sendable (OutputChunk) -> Void)?
    ) throws -> CommandResult {
        let start = ContinuousClock.now
        var collected = CommandOutput(limit: limit, callback: output)
        let child = PipedProcess(
            executable: sshPath, arguments: options + ["--", target.host, bootstrap.commandLine], environment: environment)
        let stopping = PipedProcess.Stopping(
            terminate: { group, _ in
                if let group {
                    _ = try? self.quickSSH([], remote: "/bin/sh -c " + CommandBootstrap.quote(CommandBootstrap.killScript(processGroup: group)))
                }
            },
            escalate: { _, child in kill(child, SIGKILL) })
        let outcome = try child.run(
            input: bootstrap.program + command.stdin, collecting: &collected,
            deadline: command.timeout.map { start + $0 }, stopping: stopping)
        let duration = ContinuousClock.now - start
        switch outcome {
        case .exited(255):
            guard collected.processID != nil else {
                // ssh's own failure: nothing ran. Its message is on stderr.
                throw connectionError(collected.result(exitStatus: 255, exitSignal: nil, duration: duration).stderrText)
            }
            if (try? quickSSH(["-O", "check"], remote: nil)) == nil {
                throw TransportError.connectionLost(endpoint: endpoint, command: command.summary, reason: "ssh lost the connection")
            }
            return collected.result(exitStatus: 255, exitSignal: nil, duration: duration)
        case .exited(let status):
            return collected.result(exitStatus: status, exitSignal: nil, duration: duration)
        case .signalled(let name):
            throw TransportError.connectionLost(endpoint: endpoint, command: command.summary, reason: "the ssh client was killed by SIG\(name)")
        case .stopped(let cancelled):
            if cancelled { throw CancellationError() }
            throw TransportError.timedOut(endpoint: endpoint, command: command.summary, after: command.timeout ?? .zero)
        }
    }

    /// Maps what `ssh` prints when it cannot connect to the matching `TransportError`.
    func connectionError(_ stderr: String) -> TransportError {
        let lines = stderr.split(whereSeparator: \.isNewline).map(String.init)
        let firstLine = lines.first { !$0.hasPrefix("@") && !$0.isEmpty } ?? "ssh failed"
        if stderr.contains("Connection refused") { return .connectionRefused(endpoint: endpoint) }
        if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            var offered = lines.first { $0.hasPrefix("SHA256:") } ?? "another key"
            if offered.hasSuffix(".") { offered.removeLast() }
            var line = 0
            var expected = "the listed key"
            if let range = stderr.range(of: "key in \(target.knownHostsFile):") {
                line = Int(stderr[range.upperBound...].prefix { $0.isNumber }) ?? 0
                if let entry = (try? KnownHosts(path: target.knownHostsFile))?.entries(host: target.host, port: target.port).first(where: {
                    $0.line == line
                }) {
                    expected = "\(entry.keyType) \(KnownHosts.fingerprint(of: entry.key))"
                }
            }
            return .hostKeyMismatch(
                endpoint: endpoint, knownHostsPath: target.knownHostsFile, line: line, expected: expected, offered: offered,
                removeCommand: "ssh-keygen -R '\(KnownHosts.hostField(host: target.host, port: target.port))' -f \(target.knownHostsFile)")
        }
        if stderr.contains("Host key verification failed") {
            let portFlag = target.port == 22 ? "" : "-p \(target.port) "
            return .hostKeyUnknown(
                endpoint: endpoint, knownHostsPath: target.knownHostsFile, offered: "fingerprint not shown by ssh",
                scanCommand: "ssh-keyscan \(portFlag)\(target.host) >> \(target.knownHostsFile)")
        }
        if stderr.contains("Permission denied") {
            return .authenticationFailed(
                endpoint: endpoint, user: target.user, reason: "the server refused the key\(target.identityFile.map { " \($0)" } ?? "s offered")")
        }
        if stderr.contains("timed out") || stderr.contains("No route") || stderr.contains("Could not resolve") || stderr.contains("unreachable") {
            return .unreachable(endpoint: endpoint, reason: firstLine)
        }
        return .sessionFailed(endpoint: endpoint, operation: "ssh", reason: firstLine)
    }

    /// Runs a short ssh invocation over the master and returns its stdout; throws its stderr.
    @discardableResult
    private func quickSSH(_ extra: [String], remote: String?, stdin: [UInt8] = []) throws -> String {
        var collected = CommandOutput(limit: 1 << 20, callback: nil)
        let child = PipedProcess(
            executable: sshPath, arguments: options + extra + ["--", target.host] + (remote.map { [$0] } ?? []), environment: environment)
        let outcome = try child.run(
            input: stdin, collecting: &collected, deadline: ContinuousClock.now + .seconds(30),
            stopping: PipedProcess.Stopping(terminate: { _, child in kill(child, SIGTERM) }, escalate: { _, child in kill(child, SIGKILL) }))
        let result = collected.result(exitStatus: nil, exitSignal: nil, duration: .zero)
        guard case .exited(0) = outcome else { throw connectionError(result.stderrText) }
        return result.stdoutText
    }

    // MARK: Files

    public func upload(_ contents: [UInt8], to path: String, options: UploadOptions = UploadOptions()) async throws {
        let q = CommandBootstrap.quote
        let temporary = RemotePath.temporarySibling(of: path)
        let script = """
            t=\(q(temporary)); p=\(q(path)); mode=\(options.mode.map { String($0, radix: 8) } ?? ""); owner=\(q(options.owner ?? ""))
            if [ -d "$p" ]; then echo "it is a directory" >&2; exit 1; fi
            trap 'rm -f -- "$t"' EXIT
            (umask 077; cat > "$t") || exit 1
            sync "$t" 2>/dev/null || sync
            if [ -e "$p" ]; then
              [ -n "$mode" ] || mode=$(stat -L -c %a -- "$p")
              if [ -z "$owner" ]; then o=$(stat -L -c %u:%g -- "$p"); [ "$o" = "$(stat -c %u:%g -- "$t")" ] || owner=$o; fi
            fi
            chmod "${mode:-644}" "$t" || exit 1
            if [ -n "$owner" ]; then chown "$owner" "$t" || exit 1; fi
            mv -f -- "$t" "$p"
            """
        let result = try await run(RemoteCommand(script, stdin: contents), output: nil)
        guard result.succeeded else {
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "upload to", path: path, reason: result.stderrText.firstLine)
        }
    }

    public func download(_ path: String, to destination: URL) async throws {
        let box = SinkBox(try LocalFileSink(destination: destination))
        let result = try await run(RemoteCommand("exec cat -- \(CommandBootstrap.quote(path))")) { chunk in
            if chunk.stream == .stdout { box.write(chunk.bytes) }
        }
        if let failure = box.failure { throw failure }
        guard result.succeeded else {
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "download of", path: path, reason: result.stderrText.firstLine)
        }
        try box.commit()
    }

    public func readFile(_ path: String, limit: Int) async throws -> [UInt8] {
        let p = CommandBootstrap.quote(path)
        let script = "s=$(stat -L -c %s -- \(p)) || exit 2; if [ \"$s\" -gt \(limit) ]; then echo \"$s\" >&2; exit 3; fi; exec cat -- \(p)"
        let result = try await run(RemoteCommand(script), output: nil)
        switch result.exitStatus {
        case 0: return result.stdout
        case 3: throw TransportError.fileTooLarge(endpoint: endpoint, path: path, size: UInt64(result.stderrText.firstLine) ?? 0, limit: limit)
        default:
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "reading", path: path, reason: result.stderrText.firstLine)
        }
    }

    public func stat(_ path: String) async throws -> FileStatus? {
        let p = CommandBootstrap.quote(path)
        let result = try await run(RemoteCommand("[ -e \(p) ] || exit 3; exec stat -L -c '%s %a %u %g %F' -- \(p)"), output: nil)
        if result.exitStatus == 3 { return nil }
        let fields = result.stdoutText.split(separator: " ", maxSplits: 4)
        guard result.succeeded, fields.count == 5, let size = UInt64(fields[0]), let mode = UInt32(fields[1], radix: 8),
            let uid = UInt32(fields[2]), let gid = UInt32(fields[3])
        else {
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "stat of", path: path, reason: result.stderrText.firstLine)
        }
        return FileStatus(size: size, mode: mode, uid: uid, gid: gid, isDirectory: fields[4].hasPrefix("directory"))
    }
}

/// Hands streamed chunks to a `LocalFileSink` from the output callback, remembering the first
/// write failure.
private final class SinkBox: Sendable {
    private struct State {
        let sink: LocalFileSink
        var failure: TransportError?
    }

    private let state: Mutex<State>

    init(_ sink: sending LocalFileSink) { state = Mutex(State(sink: sink)) }

    var failure: TransportError? { state.withLock { $0.failure } }

    /// Puts the downloaded file in place (see `LocalFileSink.commit`).
    func commit() throws {
        try state.withLock { try $0.sink.commit() }
    }

    func write(_ bytes: [UInt8]) {
        state.withLock { state in
            guard state.failure == nil else { return }
            do {
                try bytes.withUnsafeBytes { try state.sink.write($0) }
            } catch {
                state.failure =
                    error as? TransportError
                    ?? .fileOperationFailed(endpoint: "local", operation: "writing", path: state.sink.destination.path, reason: "\(error)")
            }
        }
    }
}
