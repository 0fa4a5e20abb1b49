public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `Transport` on this machine (inventory `address: local`): the same contract as
/// `SSHTransport`, with a local `/bin/sh` instead of a channel and POSIX calls instead of SFTP.
///
/// The command runs through the same stdin bootstrap, so environment values and sensitive
/// scripts stay off the local command line too. Each command gets its own process group,
/// which the timeout kills whole.
public final class LocalTransport: Transport {
    /// Bytes of each stream kept in `CommandResult` (the `output` callback sees all).
    public let outputLimit: Int
    public var endpoint: String { "local" }

    public init(outputLimit: Int = 1 << 20) {
        self.outputLimit = outputLimit
    }

    public func close() async {}

    public func run(_ command: RemoteCommand, output: (@Sendable (OutputChunk) -> Void)? = nil) async throws -> CommandResult {
        let bootstrap = try CommandBootstrap(command, endpoint: endpoint)
        let limit = outputLimit
        return try await withCheckedThrowingContinuation { continuation in
            // Blocking poll loop: keep it off the cooperative pool.
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.execute(bootstrap, command: command, limit: limit, output: output) })
            }
        }
    }

    private static func execute(
        _ bootstrap: CommandBootstrap, command: RemoteCommand, limit: Int, output: (@Sendable (OutputChunk) -> Void)?
    ) throws -> CommandResult {
        let start = ContinuousClock.now
        var collected = CommandOutput(limit: limit, callback: output)
        let child = PipedProcess(executable: "/bin/sh", arguments: ["-c", bootstrap.commandLine])
        func signal(_ number: Int32) -> (Int32?, pid_t) -> Void {
            { group, child in
                // The group the bootstrap reported, but never the one we belong to ourselves.
                if let group, group > 1, group != getpgrp() {
                    kill(-group, number)
                } else {
                    kill(child, number)
                }
            }
        }
        let outcome = try child.run(
            input: bootstrap.program + command.stdin, collecting: &collected,
            deadline: command.timeout.map { start + $0 },
            stopping: PipedProcess.Stopping(terminate: signal(SIGTERM), escalate: signal(SIGKILL)))
        let duration = ContinuousClock.now - start
        switch outcome {
        case .exited(let status):
            return collected.result(exitStatus: status, exitSignal: nil, duration: duration)
        case .signalled(let name):
            return collected.result(exitStatus: nil, exitSignal: name, duration: duration)
        case .stopped(let cancelled):
            if cancelled { throw CancellationError() }
            throw TransportError.timedOut(endpoint: "local", command: command.summary, after: command.timeout ?? .zero)
        }
    }

    // MARK: Files

    public func upload(_ contents: [UInt8], to path: String, options: UploadOptions = UploadOptions()) async throws {
        let existing = try await stat(path)
        if existing?.isDirectory == true {
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "upload to", path: path, reason: "it is a directory")
        }
        let temporary = RemotePath.temporarySibling(of: path)
        func fail(_ what: String) -> TransportError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return .fileOperationFailed(endpoint: endpoint, operation: "upload to", path: path, reason: "\(what): \(reason)")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fail("cannot create \(temporary)") }
        defer { Glibc.close(fd) }
        var offset = 0
        while offset < contents.count {
            let n = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!.advanced(by: offset), contents.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw fail("write") }
            offset += n
        }
        guard fsync(fd) == 0 else { throw fail("fsync") }
        let mode = options.mode ?? existing?.mode ?? 0o644
        guard fchmod(fd, mode_t(mode)) == 0 else { throw fail("chmod") }
        if let owner = options.owner {
            guard let (uid, gid) = Self.resolve(owner: owner) else {
                unlink(temporary)
                throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "upload to", path: path, reason: "unknown owner \(owner)")
            }
            guard fchown(fd, uid, gid) == 0 else { throw fail("chown \(owner)") }
        } else if let existing, existing.uid != getuid() || existing.gid != getgid() {
            guard fchown(fd, existing.uid, existing.gid) == 0 else { throw fail("keeping owner \(existing.uid):\(existing.gid)") }
        }
        guard rename(temporary, path) == 0 else { throw fail("rename") }
    }

    /// `user`, `user:group`, or numeric IDs; the group defaults to the user's primary group.
    static func resolve(owner: String) -> (uid_t, gid_t)? {
        let parts = owner.split(separator: ":", maxSplits: 1).map(String.init)
        guard let userName = parts.first else { return nil }
        var uid: uid_t
        var gid: gid_t
        if let entry = getpwnam(userName) {
            uid = entry.pointee.pw_uid
            gid = entry.pointee.pw_gid
        } else if let numeric = uid_t(userName) {
            uid = numeric
            gid = getgid()
        } else {
            return nil
        }
        if parts.count == 2 {
            if let group = getgrnam(parts[1]) {
                gid = group.pointee.gr_gid
            } else if let numeric = gid_t(parts[1]) {
                gid = numeric
            } else {
                return nil
            }
        }
        return (uid, gid)
    }

    public func download(_ path: String, to destination: URL) async throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TransportError.fileOperationFailed(
                endpoint: endpoint, operation: "download of", path: path, reason: String(cString: strerror(errno)))
        }
        defer { Glibc.close(fd) }
        let sink = try LocalFileSink(destination: destination)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw TransportError.fileOperationFailed(
                    endpoint: endpoint, operation: "download of", path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        try sink.commit()
    }

    public func readFile(_ path: String, limit: Int) async throws -> [UInt8] {
        guard let status = try await stat(path) else {
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "reading", path: path, reason: "no such file or directory")
        }
        guard status.size <= UInt64(limit) else {
            throw TransportError.fileTooLarge(endpoint: endpoint, path: path, size: status.size, limit: limit)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "reading", path: path, reason: "cannot read")
        }
        guard data.count <= limit else {
            throw TransportError.fileTooLarge(endpoint: endpoint, path: path, size: UInt64(data.count), limit: limit)
        }
        return Array(data)
    }

    private static func fileInfo(_ path: String) -> Glibc.stat? {
        var info = Glibc.stat()
        return statFollowingLinks(path, &info) == 0 ? info : nil
    }

    public func stat(_ path: String) async throws -> FileStatus? {
        guard let info = Self.fileInfo(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw TransportError.fileOperationFailed(endpoint: endpoint, operation: "stat of", path: path, reason: String(cString: strerror(errno)))
        }
        return FileStatus(
            size: UInt64(info.st_size), mode: UInt32(info.st_mode & 0o7777), uid: info.st_uid, gid: info.st_gid,
            isDirectory: info.st_mode & S_IFMT == S_IFDIR)
    }
}

/// stat(2) under a name the `stat` method above does not shadow.
private func statFollowingLinks(_ path: String, _ info: inout Glibc.stat) -> Int32 {
    stat(path, &info)
}
