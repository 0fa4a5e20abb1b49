import Foundation

/// Remote path arithmetic and the shell text that finishes an atomic upload, shared by the
/// transports.
enum RemotePath {
    /// `dir/.name.rollout-XXXXXXXX`: same directory (so the final rename stays on one file
    /// system), hidden, and unique.
    static func temporarySibling(of path: String) -> String {
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        guard let slash = path.lastIndex(of: "/") else { return ".\(path).rollout-\(suffix)" }
        let directory = path[...slash]
        let name = path[path.index(after: slash)...]
        return "\(directory).\(name).rollout-\(suffix)"
    }

    /// chmod (requested mode, else the existing file's, else 0644), chown (requested owner, else
    /// the existing file's when it differs from the new file's), then `mv -f` (rename(2), atomic).
    /// SFTP v3 rename cannot replace an existing file, hence the shell. Removes the temporary
    /// file when any part fails.
    static func installScript(temporary: String, path: String, options: UploadOptions, existing: FileStatus?, created: FileStatus?) -> String {
        let q = CommandBootstrap.quote
        let mode = options.mode ?? existing?.mode ?? 0o644
        var script = "chmod \(String(mode, radix: 8)) \(q(temporary))"
        if let owner = options.owner {
            script += " && chown \(q(owner)) \(q(temporary))"
        } else if let existing, existing.uid != created?.uid || existing.gid != created?.gid {
            script += " && chown \(existing.uid):\(existing.gid) \(q(temporary))"
        }
        script += " && mv -f -- \(q(temporary)) \(q(path)) || { rc=$?; rm -f -- \(q(temporary)); exit $rc; }"
        return script
    }
}
