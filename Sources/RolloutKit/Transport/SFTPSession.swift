import CLibSSH2
import Foundation

/// The SFTP subsystem on one `SSHSession`; shut down in deinit (before its session).
final class SFTPSession {
    let session: SSHSession
    let raw: OpaquePointer

    init(session: SSHSession) throws(LibSSH2Error) {
        self.session = session
        raw = try session.call { libssh2_sftp_init(session.raw) }
    }

    deinit {
        if !session.isBroken {
            libssh2_session_set_timeout(session.raw, 2000)
            libssh2_session_set_blocking(session.raw, 1)
        }
        libssh2_sftp_shutdown(raw)
        libssh2_session_set_blocking(session.raw, 0)
        libssh2_session_set_timeout(session.raw, 0)
    }

    /// A failed SFTP request, described by the server's status code.
    struct Failure: Error {
        var reason: String
        var connection: LibSSH2Error?
        var noSuchFile = false
    }

    private func failure(_ error: LibSSH2Error) -> Failure {
        if error.isConnectionLoss { return Failure(reason: error.description, connection: error) }
        guard error.code == LIBSSH2_ERROR_SFTP_PROTOCOL else { return Failure(reason: error.description) }
        let status = libssh2_sftp_last_error(raw)
        switch UInt(status) {
        case LIBSSH2_FX_NO_SUCH_FILE, LIBSSH2_FX_NO_SUCH_PATH: return Failure(reason: "no such file or directory", noSuchFile: true)
        case LIBSSH2_FX_PERMISSION_DENIED: return Failure(reason: "permission denied")
        case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM, LIBSSH2_FX_QUOTA_EXCEEDED: return Failure(reason: "no space left on the file system")
        case LIBSSH2_FX_FILE_ALREADY_EXISTS: return Failure(reason: "file already exists")
        default: return Failure(reason: "SFTP status \(status)")
        }
    }

    private func call(_ operation: () -> Int32) throws(Failure) -> Int32 {
        do { return try session.call(operation) } catch { throw failure(error) }
    }

    private func open(_ path: String, flags: Int32, mode: Int) throws(Failure) -> SFTPFile {
        do {
            let handle = try session.call { cssh_sftp_open(raw, path, UInt(flags), mode) }
            return SFTPFile(sftp: self, raw: handle)
        } catch {
            throw failure(error)
        }
    }

    /// Metadata of `path` (following symlinks), nil when nothing is there.
    func status(_ path: String) throws(Failure) -> FileStatus? {
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        do {
            _ = try call { cssh_sftp_stat(raw, path, &attributes) }
        } catch {
            if error.noSuchFile { return nil }
            throw error
        }
        return Self.fileStatus(attributes)
    }

    static func fileStatus(_ a: LIBSSH2_SFTP_ATTRIBUTES) -> FileStatus {
        FileStatus(
            size: a.filesize, mode: UInt32(a.permissions & 0o7777), uid: UInt32(a.uid), gid: UInt32(a.gid),
            isDirectory: a.permissions & UInt(LIBSSH2_SFTP_S_IFMT) == UInt(LIBSSH2_SFTP_S_IFDIR))
    }

    /// Creates `path` (which must not exist) with mode 0600, writes `contents`, fsyncs, and
    /// returns the new file's status (its owner is the login user).
    func create(_ path: String, contents: [UInt8]) throws(Failure) -> FileStatus {
        let file = try open(path, flags: LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL, mode: 0o600)
        var offset = 0
        while offset < contents.count {
            let n = try call {
                contents.withUnsafeBytes { bytes in
                    Int32(
                        clamping: libssh2_sftp_write(
                            file.raw, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                            min(contents.count - offset, 256 * 1024)))
                }
            }
            offset += Int(n)
        }
        _ = try call { libssh2_sftp_fsync(file.raw) }
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        _ = try call { cssh_sftp_fstat(file.raw, &attributes) }
        return Self.fileStatus(attributes)
    }

    /// Streams `path` to `sink`, failing when more than `limit` bytes arrive.
    func read(_ path: String, limit: Int? = nil, into sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let file = try open(path, flags: LIBSSH2_FXF_READ, mode: 0)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let n = try call {
                Int32(clamping: libssh2_sftp_read(file.raw, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count))
            }
            if n == 0 { return total }
            total += Int(n)
            if let limit, total > limit { throw Failure(reason: "larger than \(limit) bytes") }
            try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(n)]))
        }
    }

    func remove(_ path: String) {
        _ = try? call { cssh_sftp_unlink(raw, path) }
    }
}

/// An open SFTP file handle; closed in deinit.
final class SFTPFile {
    let sftp: SFTPSession
    let raw: OpaquePointer

    init(sftp: SFTPSession, raw: OpaquePointer) {
        self.sftp = sftp
        self.raw = raw
    }

    deinit {
        _ = try? sftp.session.call { libssh2_sftp_close_handle(raw) }
    }
}
