public import Foundation

/// A small tmpfs mounted on a fresh directory, to make a disk run full for real: a dump cut
/// short, a directory without room. Anyone may write there (the test hosts' users too). Needs root (CI runs as root); unmounted when released, on
/// every path out of a test.
public final class TmpfsMount: Sendable {
    public let directory: URL

    /// Mounts a tmpfs of `bytes` (rounded up to whole pages by the kernel).
    public init(bytes: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-tmpfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            _ = try runLocal("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes),mode=1777", "tmpfs", directory.path])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Bytes free on the mount, as `df` reports them.
    public func freeBytes() throws -> Int {
        let output = try runLocal("/bin/df", ["-P", "-B1", directory.path])
        let fields = output.split(separator: "\n").last?.split(separator: " ") ?? []
        return fields.count >= 4 ? Int(fields[3]) ?? 0 : 0
    }

    deinit {
        _ = try? runLocal("/bin/umount", [directory.path])
        try? FileManager.default.removeItem(at: directory)
    }
}
