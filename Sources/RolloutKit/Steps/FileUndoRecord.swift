/// What `set_env` and `upload` record before they replace a file (`RemoteFileChange`): the
/// file, and the copy of what was there with its mode and owner, or that there was no file.
public struct FileUndoRecord: UndoRecord {
    var file: String?
    /// The copy of the file as it was.
    var backup: String?
    /// The file's mode and `uid:gid` (records older than these kept them on the copy).
    var mode: String?
    var owner: String?
    /// "1" when there was no file: the undo removes it.
    var absent: String?

    public var sources: [String] { backup.map { [$0] } ?? [] }

    public var preview: UndoPreview {
        let path = file ?? "the file"
        if absent == "1" { return UndoPreview(putsBack: "no \(path) (it did not exist)", throwsAway: "\(path) as it is now") }
        return UndoPreview(
            putsBack: "\(path) as it was before the run, from \(backup ?? "its copy")",
            throwsAway: "\(path) as it is now (under rollout rollback a copy is kept first)")
    }
}
