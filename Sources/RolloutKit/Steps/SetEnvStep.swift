import Foundation

/// Sets `KEY=VALUE` lines of a `.env` file in place: comments, order and mode are kept, new
/// keys are appended, the write is atomic.
/// `set_env: { file: /opt/app/.env, values: { KEY: value }, remove: [OLD_KEY] }`.
/// Undo: the previous file, byte for byte.
public struct SetEnvStep: Step {
    public static let kind = "set_env"
    public static let options: [OptionSpec] = [
        OptionSpec("file", .text, required: true, "The .env file."),
        OptionSpec("values", .textMap, "Keys to set, in order."),
        OptionSpec("remove", .texts, "Keys to delete."),
        OptionSpec("create", .flag, "Create the file when missing (otherwise an error)."),
    ]

    public var file: Template
    /// Keys to set, in order.
    public var values: [TemplateEntry]
    /// Keys to delete.
    public var remove: [String]
    /// Create the file when it does not exist (otherwise that is an error).
    public var create: Bool

    public init?(options: OptionReader, context: StepDecodingContext) {
        let file = options.template("file", required: true)
        values = options.templateMap("values") ?? []
        remove = options.strings("remove") ?? []
        create = options.bool("create") ?? false
        for entry in values where !EnvFile.isValidKey(entry.key) {
            options.error("'\(entry.key)' is not a valid .env key (letters, digits and _, not starting with a digit)", at: "values")
        }
        if values.isEmpty, remove.isEmpty {
            options.error("set_env needs 'values' or 'remove'")
        }
        // A literal value that no quoting carries to every .env reader: lint can say so already.
        var probe = EnvFile(text: "")
        for entry in values where EnvFile.isValidKey(entry.key) {
            guard case .text(let template) = entry.value, template.isLiteral else { continue }
            let text = template.segments.map { segment in if case .text(let text) = segment { text } else { "" } }.joined()
            do { try probe.set(entry.key, to: text) } catch { options.error("\(error)", at: "values") }
        }
        for key in remove where values.contains(where: { $0.key == key }) {
            options.error("'\(key)' is both set in 'values' and removed in 'remove'", at: "remove")
        }
        guard let file else { return nil }
        self.file = file
    }

    public var mutates: Bool { true }
    public var summary: String { "set_env \(file.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String { "puts the previous file back, byte for byte" }
}

extension SetEnvStep: RunnableStep {
    /// Mode of a `.env` the step creates: it usually holds secrets.
    static let newFileMode: UInt32 = 0o600

    /// The file on the host, its current state, and the contents after the edit.
    private struct Edit {
        var change: RemoteFileChange
        var before: RemoteFileChange.Snapshot
        var old: EnvFile
        var new: EnvFile
        /// Keys whose value came from a secret: shown as `***` in diffs.
        var secretKeys: Set<String>
    }

    private func edit(in context: StepContext) async throws -> Edit {
        let path = try context.render(file)
        guard !path.containsSecrets else { throw context.failure("the file path must not contain a secret") }
        let change = RemoteFileChange(path: path.text)
        let read = try await context.run(RemoteCommand(change.readScript))
        guard read.succeeded, let before = RemoteFileChange.snapshot(from: read.stdout) else {
            throw context.failure("cannot read \(path.text): \(CommandFailure.describe(read, masker: context.masker))")
        }
        var old = EnvFile(text: "")
        switch before {
        case .absent:
            guard create else {
                throw context.failure("\(path.text) does not exist", hint: "add 'create: true' to create it")
            }
        case .present(_, _, let contents):
            do { old = try EnvFile(bytes: contents) } catch { throw context.failure("\(path.text): \(error)") }
        }
        var new = old
        var secretKeys: Set<String> = []
        for entry in values {
            guard case .text(let template) = entry.value else {
                throw context.failure("value of '\(entry.key)' must be text")
            }
            let value = try context.render(template)
            if value.containsSecrets { secretKeys.insert(entry.key) }
            do { try new.set(entry.key, to: value.text) } catch { throw context.failure("\(path.text): \(error)") }
        }
        for key in remove { new.remove(key) }
        return Edit(change: change, before: before, old: old, new: new, secretKeys: secretKeys)
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let edit = try await edit(in: context)
        let changes = EnvFile.changes(from: edit.old, to: edit.new)
        guard !changes.isEmpty || edit.before == .absent else {
            return StepPlan(["\(edit.change.path): no change"], changes: .none)
        }
        let header = edit.before == .absent ? "\(edit.change.path): create" : "\(edit.change.path):"
        return StepPlan([header] + changes.map { "  " + $0.line(secretKeys: edit.secretKeys, masker: context.masker) }, changes: .yes)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let edit = try await edit(in: context)
        if edit.before != .absent, edit.new.bytes == edit.old.bytes {
            return StepRun(outcome: .ok)
        }
        let backup = context.backupPath("env-history", name: (edit.change.path as NSString).lastPathComponent)
        let result = try await context.runRecorded(
            RemoteCommand(
                edit.change.replaceScript(backup: backup, mode: nil, defaultMode: Self.newFileMode, owner: nil),
                stdin: edit.new.bytes))
        let undo =
            edit.before == .absent
            ? FileUndoRecord(file: edit.change.path, absent: "1")
            : RemoteFileChange.undo(path: edit.change.path, backup: backup, stdout: result.stdoutText)
        let shown = RemoteFileChange.shown(result)
        guard result.succeeded else {
            return StepRun(
                outcome: .failed, command: shown,
                failure: "could not write \(edit.change.path): \(CommandFailure.describe(shown, masker: context.masker))",
                undo: undo.fields)
        }
        let diff = EnvFile.changes(from: edit.old, to: edit.new).map { $0.line(secretKeys: edit.secretKeys, masker: context.masker) }
        var fields = StepRun.commandFields(shown)
        fields["stdout"] = diff.joined(separator: "\n")
        return StepRun(outcome: .changed, command: shown, fields: fields, undo: undo.fields)
    }

    public func undo(_ record: FileUndoRecord, in context: StepContext) async throws -> StepRun {
        try await RemoteFileChange.restore(record, in: context)
    }

    public var recordsUndoFirst: Bool { true }
    /// Setting the same keys again gives the same file.
    public var safeToRunAgain: Bool { true }
}
