import CLibSSH2
public import Foundation

/// `Transport` over libssh2: one authenticated session per host, reused by every command,
/// reconnected after the connection drops. Commands run in one `PersistentShell` on that
/// session, except those with stdin or a timeout, which get an exec channel of their own.
///
/// The actor owns the session and runs on its own serial queue, so a command blocking in
/// poll(2) never holds up the shared cooperative threads (see `SerialQueueExecutor`).
public actor SSHTransport: Transport {
    /// Where and how to connect.
    public nonisolated let target: SSHTarget
    /// Bytes of each stream kept in `CommandResult`; older output is dropped (the `output`
    /// callback still sees every byte).
    public nonisolated let outputLimit: Int
    private nonisolated let executor: SerialQueueExecutor
    private var session: SSHSession?
    private var sftp: SFTPSession?
    private var shell: PersistentShell?

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    public nonisolated var endpoint: String { target.endpoint }

    public init(target: SSHTarget, outputLimit: Int = 1 << 20) {
        self.target = target
        self.outputLimit = outputLimit
        executor = SerialQueueExecutor(label: "rollout.ssh.\(target.endpoint)")
    }

    /// Connects, checks the host key and authenticates now rather than at the first command.
    public func connect() throws {
        _ = try connectedSession()
    }

    public func close() {
        dropSession()
    }

    private func connectedSession() throws(TransportError) -> SSHSession {
        if let session, !session.isBroken { return session }
        dropSession()
        let fresh = try SSHSession(target: target)
        session = fresh
        return fresh
    }

    private func dropSession() {
        // Channels before the session they belong to.
        shell = nil
        sftp = nil
        session = nil
    }

    public func run(_ command: RemoteCommand, output: (@Sendable (OutputChunk) -> Void)? = nil) throws -> CommandResult {
        try execute(command, output: output)
    }

    private func execute(_ command: RemoteCommand, output: (@Sendable (OutputChunk) -> Void)?) throws -> CommandResult {
        // Killing a command in the shared shell would reach what earlier commands left running,
        // and the shell's stdin is its command stream.
        let ownChannel = command.timeout != nil || !command.stdin.isEmpty
        // The shell defines the library itself, once.
        let bootstrap = try CommandBootstrap(command, endpoint: endpoint, definingLibrary: ownChannel)
        var retried = false
        while true {
            let current = try connectedSession()
            do {
                if ownChannel {
                    return try current.execute(
                        bootstrap, stdin: command.stdin, timeout: command.timeout,
                        outputLimit: outputLimit, output: output)
                }
                let shell = try persistentShell(on: current)
                defer { if !shell.isAlive { self.shell = nil } }
                return try shell.execute(
                    bootstrap, library: command.library, inPlace: command.canRunInPlace, outputLimit: outputLimit, output: output)
            } catch {
                switch error {
                case .notStarted(let cause):
                    // A session that died while idle (server restarted), or a shell that exited
                    // after its last command, fails here, before anything ran: start again once.
                    if (current.isBroken || !ownChannel) && !retried {
                        if current.isBroken { dropSession() }
                        retried = true
                        continue
                    }
                    if current.isBroken { dropSession() }
                    throw TransportError.sessionFailed(endpoint: endpoint, operation: "starting `\(command.summary)`", reason: cause.description)
                case .lost(let cause):
                    dropSession()
                    throw TransportError.connectionLost(endpoint: endpoint, command: command.summary, reason: cause.description)
                case .timedOut:
                    throw TransportError.timedOut(endpoint: endpoint, command: command.summary, after: command.timeout ?? .zero)
                case .cancelled:
                    throw CancellationError()
                }
            }
        }
    }

    private func persistentShell(on session: SSHSession) throws(SSHCommandFailure) -> PersistentShell {
        if let shell, shell.isAlive, shell.session === session { return shell }
        do {
            let fresh = try PersistentShell(session: session)
            shell = fresh
            return fresh
        } catch {
            throw .notStarted(error)
        }
    }

    // MARK: Files

    private func sftpSession() throws(TransportError) -> SFTPSession {
        let current = try connectedSession()
        if let sftp, sftp.session === current { return sftp }
        do {
            let fresh = try SFTPSession(session: current)
            sftp = fresh
            return fresh
        } catch {
            if current.isBroken {
                dropSession()
                // The idle session may have died; one fresh attempt.
                let again = try connectedSession()
                do {
                    let fresh = try SFTPSession(session: again)
                    sftp = fresh
                    return fresh
                } catch {
                    throw TransportError.sessionFailed(endpoint: endpoint, operation: "SFTP start", reason: error.description)
                }
            }
            throw TransportError.sessionFailed(endpoint: endpoint, operation: "SFTP start", reason: error.description)
        }
    }

    private func fileError(_ failure: SFTPSession.Failure, operation: String, path: String) -> TransportError {
        if let connection = failure.connection {
            dropSession()
            return .connectionLost(endpoint: endpoint, command: "\(operation) \(path)", reason: connection.description)
        }
        return .fileOperationFailed(endpoint: endpoint, operation: operation, path: path, reason: failure.reason)
    }

    public func upload(_ contents: [UInt8], to path: String, options: UploadOptions = UploadOptions()) throws {
        let files = try sftpSession()
        let existing: FileStatus?
        let temporary = RemotePath.temporarySibling(of: path)
        let created: FileStatus
        do {
            existing = try files.status(path)
            if existing?.isDirectory == true {
                throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "upload to", path: path, reason: "it is a directory")
            }
            created = try files.create(temporary, contents: contents)
        } catch let failure as SFTPSession.Failure {
            if failure.connection == nil { files.remove(temporary) }
            throw fileError(failure, operation: "upload to", path: path)
        }
        let script = RemotePath.installScript(temporary: temporary, path: path, options: options, existing: existing, created: created)
        let result = try execute(RemoteCommand(script), output: nil)
        guard result.succeeded else {
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "upload to", path: path, reason: result.stderrText.firstLine)
        }
    }

    public func download(_ path: String, to destination: URL) throws {
        let files = try sftpSession()
        let sink = try LocalFileSink(destination: destination)
        do {
            _ = try files.read(path) { bytes throws in try sink.write(bytes) }
            try sink.commit()
        } catch let failure as SFTPSession.Failure {
            throw fileError(failure, operation: "download of", path: path)
        }
    }

    public func readFile(_ path: String, limit: Int) throws -> [UInt8] {
        let files = try sftpSession()
        var contents: [UInt8] = []
        do {
            if let status = try files.status(path), status.size > UInt64(limit) {
                throw TransportError.fileTooLarge(endpoint: endpoint, path: path, size: status.size, limit: limit)
            }
            _ = try files.read(path, limit: limit) { contents.append(contentsOf: $0) }
        } catch let failure as SFTPSession.Failure {
            throw fileError(failure, operation: "reading", path: path)
        }
        return contents
    }

    public func stat(_ path: String) throws -> FileStatus? {
        let files = try sftpSession()
        do {
            return try files.status(path)
        } catch {
            throw fileError(error, operation: "stat of", path: path)
        }
    }
}

extension String {
    /// The first non-empty line, for one-line messages.
    var firstLine: String {
        split(whereSeparator: \.isNewline).first.map { String($0) } ?? ""
    }
}
