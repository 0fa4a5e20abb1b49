import Foundation

/// The directory `rollout init` and `rollout import` write a project into, created with its
/// missing parents. A failure names the path in the way and what to do; Foundation's own text
/// ("NSCocoaErrorDomain error 512") says neither.
enum ProjectDirectory {
    /// Creates `url` (shown as `shown`) and the directories above it that are missing.
    static func create(_ url: URL, shown: String) throws(InitFailure) {
        var missing: [URL] = []
        var existing = url.standardizedFileURL
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: existing.path, isDirectory: &isDirectory) {
            missing.insert(existing, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        guard isDirectory.boolValue else {
            throw InitFailure(
                "cannot create \(shown): \(existing.path) is a file, not a directory; give a directory path that does not go through a file")
        }
        for directory in missing where mkdir(directory.path, 0o777) != 0 && errno != EEXIST {
            throw InitFailure("cannot create \(shown): \(reason(errno)) at \(directory.path); choose a directory you can write to")
        }
    }

    /// Refuses a directory rollout could not write its files into, before writing any.
    static func checkWritable(_ url: URL, shown: String) throws(InitFailure) {
        guard access(url.path, W_OK | X_OK) == 0 else {
            throw InitFailure("cannot write into \(shown): \(reason(errno, creating: "files")); choose a directory you can write to")
        }
    }

    /// Why writing a file into the directory `shown` failed, from the system's error underneath
    /// Foundation's.
    static func failure(writing error: any Error, into shown: String) -> InitFailure {
        var why = error.localizedDescription
        if let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error).map({ $0 as NSError }),
            underlying.domain == NSPOSIXErrorDomain
        {
            why = reason(Int32(underlying.code), creating: "files")
        }
        return InitFailure("cannot write into \(shown): \(why); choose a directory you can write to")
    }

    private static func reason(_ code: Int32, creating entries: String = "directories") -> String {
        switch code {
        case EACCES, EPERM: "permission denied"
        case EROFS: "the file system is read-only"
        case ENOSPC: "no space left on the device"
        // Under /proc or /sys: the directory exists but takes no new entries.
        case ENOENT: "that file system takes no new \(entries)"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}
