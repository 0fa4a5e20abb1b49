import Crypto
public import Foundation

/// Copies a local file (or inline text) to the host atomically: SFTP to a temporary name,
/// fsync, rename. `upload: { src: files/app.conf, dest: /etc/app.conf, mode: "0640", owner: app }`.
/// Undo: the previous file is restored.
public struct UploadStep: Step {
    public static let kind = "upload"
    public static let options: [OptionSpec] = [
        OptionSpec("src", .text, "Local file, relative to the playbook (this or content)."),
        OptionSpec("content", .text, "Inline contents instead of src."),
        OptionSpec("dest", .text, required: true, "Remote path."),
        OptionSpec("mode", .either([.text, .number]), "Octal permission bits, e.g. \"0640\"; default keeps the existing file's."),
        OptionSpec("owner", .text, "user or user:group."),
    ]

    /// Local file, relative to the playbook.
    public var src: Template?
    /// Inline file contents, instead of `src`.
    public var content: Template?
    /// Remote path.
    public var dest: Template
    /// Permission bits; nil keeps the existing file's mode.
    public var mode: UInt32?
    /// `user` or `user:group`.
    public var owner: Template?
    /// Directory `src` is relative to: the playbook's.
    public var baseDirectory: URL

    public init?(options: OptionReader, context: StepDecodingContext) {
        options.exactlyOne(of: ["src", "content"])
        src = options.template("src")
        content = options.template("content")
        let dest = options.template("dest", required: true)
        owner = options.template("owner")
        baseDirectory = context.directory
        if let node = options.node("mode"), let text = options.scalarText(node, key: "mode") {
            if let bits = UInt32(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: 8), bits <= 0o7777 {
                mode = bits
            } else {
                options.sink.error("'mode' must be octal permission bits like \"0640\", found '\(text)'", at: node.location)
            }
        }
        if let src, src.isLiteral, !FileManager.default.fileExists(atPath: context.url(of: src.source).path) {
            options.error("no such file to upload: '\(context.displayName(of: src.source))'", at: "src")
        }
        guard let dest else { return nil }
        self.dest = dest
    }

    public var mutates: Bool { true }
    public var summary: String { "upload \(dest.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String { "puts the previous file back" }
}

extension UploadStep: RunnableStep {
    /// Mode of a new file when the step names none.
    static let newFileMode: UInt32 = 0o644

    /// The bytes to upload, and whether a secret went into them.
    private func contents(in context: StepContext) throws(StepError) -> (bytes: [UInt8], containsSecrets: Bool) {
        if let content {
            let text = try context.render(content)
            return (Array(text.text.utf8), text.containsSecrets)
        }
        guard let src else { throw context.failure("upload needs 'src' or 'content'") }
        let path = try context.render(src).text
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw context.failure("cannot read the local file \(url.path)", hint: "check the path; 'src' is relative to the playbook")
        }
        return (Array(data), false)
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let destination = try context.render(dest)
        let body = try contents(in: context)
        var line = "\(destination.masked): \(body.bytes.count) bytes"
        if let mode { line += ", mode \(String(mode, radix: 8))" }
        if let owner { line += ", owner \(try context.render(owner).masked)" }
        return StepPlan([line], changes: .maybe)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let destination = try context.render(dest)
        guard !destination.containsSecrets else { throw context.failure("the destination path must not contain a secret") }
        let body = try contents(in: context)
        let change = RemoteFileChange(path: destination.text)
        let backup = context.backupPath("backups", name: (destination.text as NSString).lastPathComponent)
        // A digest of secret contents would let anyone who reads the host's `ps` test guesses.
        let digest = body.containsSecrets ? nil : SHA256.hash(data: body.bytes).map { String(format: "%02x", $0) }.joined()
        let result = try await context.runRecorded(
            RemoteCommand(
                change.replaceScript(
                    backup: backup, mode: mode, defaultMode: Self.newFileMode,
                    owner: try owner.map { template throws(StepError) in try context.render(template).text },
                    unlessSHA256: digest),
                stdin: body.bytes))
        let shown = RemoteFileChange.shown(result)
        if result.succeeded, result.stdoutText.hasPrefix(RemoteFileChange.unchangedMarker) {
            return StepRun(outcome: .ok, command: shown, fields: StepRun.commandFields(shown))
        }
        let undo =
            result.stdoutText.contains(RemoteFileChange.wasAbsentMarker)
            ? FileUndoRecord(file: destination.text, absent: "1")
            : RemoteFileChange.undo(path: destination.text, backup: backup, stdout: result.stdoutText)
        guard result.succeeded else {
            return StepRun(
                outcome: .failed, command: shown, fields: StepRun.commandFields(shown),
                failure: "could not write \(destination.text): \(CommandFailure.describe(shown, masker: context.masker))", undo: undo.fields)
        }
        return StepRun(outcome: .changed, command: shown, fields: StepRun.commandFields(shown), undo: undo.fields)
    }

    public func undo(_ record: FileUndoRecord, in context: StepContext) async throws -> StepRun {
        try await RemoteFileChange.restore(record, in: context)
    }

    public var recordsUndoFirst: Bool { true }
    /// Writing the same contents again gives the same file.
    public var safeToRunAgain: Bool { true }
}
