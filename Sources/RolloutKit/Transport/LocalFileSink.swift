import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a download to `destination.part`, then renames it into place once complete, so an
/// interrupted download never leaves a truncated file under the real name.
final class LocalFileSink {
    let destination: URL
    private let partial: String
    private var fd: Int32

    init(destination: URL) throws(TransportError) {
        self.destination = destination
        partial = destination.path + ".part"
        fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .fileOperationFailed(endpoint: "local", operation: "writing", path: partial, reason: String(cString: strerror(errno)))
        }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(partial)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress!.advanced(by: offset), bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw .fileOperationFailed(endpoint: "local", operation: "writing", path: partial, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    func commit() throws(TransportError) {
        let ok = fsync(fd) == 0
        close(fd)
        fd = -1
        guard ok, rename(partial, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partial)
            throw .fileOperationFailed(endpoint: "local", operation: "writing", path: destination.path, reason: reason)
        }
    }
}
