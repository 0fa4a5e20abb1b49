import Foundation

/// Replacing a file on a host so that it can be put back byte for byte: the shell for reading
/// its current state, for writing new contents atomically after a backup, and for restoring.
///
/// `set_env` and `upload` share it. New contents travel on the command's stdin, never on a
/// command line, so a `.env` full of secrets is not visible in the host's `ps`.
struct RemoteFileChange: Sendable {
    /// The file's state before the change.
    enum Snapshot: Sendable, Hashable {
        case absent
        case present(mode: String, owner: String, contents: [UInt8])
    }

    var path: String

    /// What `replaceScript` prints when the file already had the new contents.
    static let unchangedMarker = "ROLLOUT_UNCHANGED"
    /// What `replaceScript` prints when it created the file.
    static let wasAbsentMarker = "ROLLOUT_WAS_ABSENT"

    /// What `replaceScript` prints about the file it replaced: `wasMarker MODE UID:GID`.
    static let wasMarker = "ROLLOUT_WAS "

    /// `result` as the user sees it: without the lines `replaceScript` prints for rollout
    /// (`unchangedMarker`, `wasAbsentMarker`, `wasMarker`), which mean nothing to a reader of
    /// the step's output or of its record.
    static func shown(_ result: CommandResult) -> CommandResult {
        var shown = result
        let kept = result.stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).filter { line in
            let text = String(decoding: line, as: UTF8.self)
            return !(text == unchangedMarker || text == wasAbsentMarker || text.hasPrefix(wasMarker))
        }
        shown.stdout = Array(kept.joined(separator: [UInt8(ascii: "\n")]))
        return shown
    }

    /// Prints `absent`, or `present MODE USER:GROUP` and then the file's bytes; a symlink is
    /// read through, with its target's mode and owner.
    var readScript: String {
        let file = ShellWord.path(path)
        return """
            if [ -e \(file) ]; then [ -f \(file) ] || { echo "rollout: \(path) is not a regular file" >&2; exit 1; }
            printf 'present %s\\n' "$(stat -L -c '%a %U:%G' -- \(file))" && cat -- \(file); else echo absent; fi
            """
    }

    /// Reads the snapshot `readScript` printed.
    static func snapshot(from stdout: [UInt8]) -> Snapshot? {
        guard let newline = stdout.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let header = String(decoding: stdout[..<newline], as: UTF8.self).split(separator: " ")
        if header == ["absent"] { return .absent }
        guard header.count == 3, header[0] == "present" else { return nil }
        return .present(mode: String(header[1]), owner: String(header[2]), contents: Array(stdout[(newline + 1)...]))
    }

    /// Shell text that sets `$rollout_file` to the file to write: `path`, or when `path` is a
    /// symlink (a shared `.env` linked into each release), its target, so that the link stays
    /// a link and the target is written in place.
    static func resolveScript(_ path: String) -> String {
        let file = ShellWord.path(path)
        return """
            rollout_file=\(file)
            if [ -L "$rollout_file" ]; then rollout_file=$(readlink -f -- "$rollout_file") || { echo "rollout: cannot follow the symlink \(path)" >&2; exit 1; }; fi

            """
    }

    /// Shell text that copies what is at `$rollout_file` to `copy`, which only its owner can
    /// read (copies of a `.env` hold its secrets): the directory 0700, the copy 0600.
    static func copyScript(to copy: String) -> String {
        let saved = ShellWord.path(copy)
        return """
            rollout_saved_dir=$(dirname -- \(saved))
            (umask 077 && mkdir -p -- "$rollout_saved_dir") && chmod 700 -- "$rollout_saved_dir" \\
              && (umask 077 && cp -- "$rollout_file" \(saved)) && chmod 600 -- \(saved) || exit 1

            """
    }

    /// Backs up the file (recording the undo data first: the path, the copy, the mode and
    /// owner), then writes stdin to a temporary file in the same directory, fsyncs it, gives it
    /// the mode and owner asked for (or the old file's), and renames it over the target. A
    /// symlink is written through: its target is replaced, the link stays.
    ///
    /// The temporary file is created readable by its owner only, not under the login's umask:
    /// it holds the new contents (a `.env`, a key) for as long as stdin takes to arrive, in a
    /// directory other users may list.
    ///
    /// With `unlessSHA256`, a file that already has those contents (and the mode asked for) is
    /// left alone: the script drains stdin, prints `unchangedMarker` and records nothing.
    func replaceScript(backup: String, mode: UInt32?, defaultMode: UInt32, owner: String?, unlessSHA256: String? = nil) -> String {
        let file = "\"$rollout_file\""
        var unchanged = ""
        if let digest = unlessSHA256 {
            let modeTest = mode.map { " && [ \"$(stat -c %a -- \(file))\" = \(String($0, radix: 8)) ]" } ?? ""
            unchanged = """
                if [ -f \(file) ] && [ "$(sha256sum < \(file) | cut -c1-64)" = \(digest) ]\(modeTest); then cat > /dev/null; echo \(Self.unchangedMarker); exit 0; fi

                """
        }
        let temporary = "\"$rollout_dir\"/." + "\"$rollout_base\"" + ".rollout-$$"
        let explicitMode = mode.map { String($0, radix: 8) }
        return Self.resolveScript(path) + unchanged + """
            rollout_dir=$(dirname -- \(file)); rollout_base=$(basename -- \(file))
            [ -d "$rollout_dir" ] || { echo "rollout: directory $rollout_dir does not exist" >&2; exit 1; }
            if [ -e \(file) ]; then
              rollout_was_mode=$(stat -c %a -- \(file)) && rollout_was_owner=$(stat -c %u:%g -- \(file)) || exit 1
              rollout_undo file \(ShellWord.quote(path)) && rollout_undo backup \(ShellWord.quote(backup)) \\
                && rollout_undo mode "$rollout_was_mode" && rollout_undo owner "$rollout_was_owner" || exit 1
              printf '\(Self.wasMarker)%s %s\\n' "$rollout_was_mode" "$rollout_was_owner"
            \(Self.copyScript(to: backup))  rollout_mode=\(explicitMode ?? "$rollout_was_mode")
            else
              rollout_undo file \(ShellWord.quote(path)) && rollout_undo absent 1 || exit 1
              echo \(Self.wasAbsentMarker)
              rollout_mode=\(explicitMode ?? String(defaultMode, radix: 8))
            fi
            rollout_tmp=\(temporary)
            if (umask 077 && cat > "$rollout_tmp") && sync -- "$rollout_tmp" && chmod "$rollout_mode" -- "$rollout_tmp" \\
              && { [ ! -e \(file) ] || [ "$(stat -c %u:%g -- "$rollout_tmp")" = "$(stat -c %u:%g -- \(file))" ] \\
                   || chown --reference=\(file) -- "$rollout_tmp" \\
                   || { echo "rollout: cannot give the new file the owner of \(path) ($(stat -c %U:%G -- \(file))) as $(id -un); deploy as that user or root" >&2; false; }; } \\
              \(owner.map { "&& chown -- \(ShellWord.quote($0)) \"$rollout_tmp\" " } ?? "")&& mv -f -- "$rollout_tmp" \(file); then :
            else rm -f -- "$rollout_tmp"; exit 1; fi
            """
    }

    /// The record `replaceScript` made for a file that was there, from its output.
    static func undo(path: String, backup: String, stdout: String) -> FileUndoRecord {
        var record = FileUndoRecord(file: path, backup: backup)
        for line in stdout.split(separator: "\n") where line.hasPrefix(wasMarker) {
            let parts = line.dropFirst(wasMarker.count).split(separator: " ")
            if parts.count == 2 {
                record.mode = String(parts[0])
                record.owner = String(parts[1])
            }
        }
        return record
    }

    /// Puts back what `replaceScript` recorded in `undo`: the backup copy, with the mode and
    /// owner the file had, or no file at all; through a symlink, as the change was made.
    /// With `safety`, what is there now is first copied there, so the undo loses nothing either.
    static func restoreScript(undo: FileUndoRecord, safety: String?) -> String? {
        guard let path = undo.file else { return nil }
        let file = "\"$rollout_file\""
        let keep =
            safety.map { safety in
                """
                if [ -e \(file) ]; then
                \(copyScript(to: safety))fi

                """
            } ?? ""
        if undo.absent == "1" { return resolveScript(path) + keep + "rm -f -- \(file)" }
        guard let backup = undo.backup else { return nil }
        // Copies older than the recorded mode and owner kept them themselves (cp -p).
        let attributes =
            if let mode = undo.mode, let owner = undo.owner {
                """
                cp -- \(ShellWord.path(backup)) "$rollout_tmp" && chmod \(ShellWord.quote(mode)) -- "$rollout_tmp" \\
                  && { [ "$(stat -c %u:%g -- "$rollout_tmp")" = \(ShellWord.quote(owner)) ] || chown -- \(ShellWord.quote(owner)) "$rollout_tmp"; }
                """
            } else {
                "cp -p -- \(ShellWord.path(backup)) \"$rollout_tmp\""
            }
        return resolveScript(path) + keep + """
            [ -f \(ShellWord.path(backup)) ] || { echo "rollout: the backup \(backup) is gone; \(path) cannot be restored" >&2; exit 1; }
            rollout_tmp="$(dirname -- \(file))/.$(basename -- \(file)).rollout-undo-$$"
            { \(attributes); } && mv -f -- "$rollout_tmp" \(file) || { rm -f -- "$rollout_tmp"; exit 1; }
            """
    }
}

extension RemoteFileChange {
    /// Runs `restoreScript` for a step's undo.
    static func restore(_ undo: FileUndoRecord, in context: StepContext) async throws -> StepRun {
        let safety =
            context.keepsSafetyCopies
            ? context.backupPath("backups", name: "before-undo-" + ((undo.file ?? "file") as NSString).lastPathComponent)
            : nil
        guard let script = restoreScript(undo: undo, safety: safety) else {
            return StepRun(outcome: .failed, failure: "the run record has no backup to restore for this step")
        }
        let result = try await context.run(RemoteCommand(script))
        return StepRun(
            outcome: result.succeeded ? .changed : .failed, command: result,
            failure: result.succeeded
                ? nil : "could not restore \(undo.file ?? "the file"): \(CommandFailure.describe(result, masker: context.masker))")
    }
}
