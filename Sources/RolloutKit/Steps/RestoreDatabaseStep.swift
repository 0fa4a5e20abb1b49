/// Restores a database from a recorded backup, after taking a safety backup of its current
/// state. `restore_database: { database: app, user: app_user, backup: "{{ db_backup.path }}" }`.
/// Undo: restore the safety backup.
public struct RestoreDatabaseStep: Step {
    public static let kind = "restore_database"
    public static let options: [OptionSpec] =
        [
            OptionSpec("engine", .choice(["postgres"]), "postgres."),
            OptionSpec("backup", .text, "Path of the dump on the host. Default the newest backup_database dump of this database."),
        ] + DatabaseConnection.options.requiring("database")
    public static let resultFields = RegisteredResult.commonFields + ["path", "safety_backup"]

    public var engine: String
    public var connection: DatabaseConnection
    /// Path of the dump on the host; nil takes the newest `backup_database` dump of this
    /// database in `<state_dir>/backups` (not a safety copy).
    public var backup: Template?

    public init?(options: OptionReader, context: StepDecodingContext) {
        engine = options.choice("engine", DatabaseConnection.engines) ?? "postgres"
        let connection = DatabaseConnection.read(from: options)
        backup = options.template("backup")
        guard let connection else { return nil }
        self.connection = connection
    }

    public var mutates: Bool { true }
    public var summary: String { "restore_database \(connection.database.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String { "restores the safety backup taken before it" }
}

extension RestoreDatabaseStep: RunnableStep {
    /// What a restore records before it replaces the database: the safety dump of what was
    /// there, and once it ended the database's write `counters` (see `TableWrites`).
    public struct Undo: UndoRecord {
        var safetyBackup: String?
        var counters: String?

        enum CodingKeys: String, CodingKey {
            case safetyBackup = "safety_backup"
            case counters
        }

        public var sources: [String] { safetyBackup.map { [$0] } ?? [] }

        public var preview: UndoPreview {
            UndoPreview(
                putsBack: "the database as it was before the restore, from the safety dump \(safetyBackup ?? "(none recorded)")",
                throwsAway:
                    "the database as it is now (a safety dump is taken first); it refuses if it received writes since the deploy, unless --force")
        }
    }

    /// The dump to restore, when `backup` names one.
    private func source(in context: StepContext) throws(StepError) -> String? {
        guard let backup else { return nil }
        let rendered = try context.render(backup)
        guard !rendered.containsSecrets else { throw context.failure("'backup' must not contain a secret") }
        guard !rendered.text.isEmpty else { throw context.failure("'backup' is empty") }
        return rendered.text
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let client = try PostgresClient(connection, in: context)
        let directory = DatabaseConnection.defaultDumpDirectory(stateDirectory: context.stateDirectory)
        let from = try source(in: context) ?? "the newest dump of \(client.database) in \(directory)"
        return StepPlan(
            [
                "pg_dump -Fc \(client.description) to \(directory)/\(client.safetyDumpName(runID: context.runID, step: context.stepIndex)) (safety copy, the undo)",
                "then restore \(client.database) from \(from): pg_restore --clean --if-exists --no-owner, in one transaction",
            ], changes: .yes)
    }

    /// The safety copy needs room as much as a backup does: checked before the run changes
    /// anything.
    public func preflight(in context: StepContext) async throws {
        guard let client = try? PostgresClient(connection, in: context) else { return }
        try await client.checkRoom(in: DatabaseConnection.defaultDumpDirectory(stateDirectory: context.stateDirectory), context: context)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let client = try PostgresClient(connection, in: context)
        let directory = DatabaseConnection.defaultDumpDirectory(stateDirectory: context.stateDirectory)
        var script = try source(in: context).map { "rollout_source=\(ShellWord.path($0))\n" } ?? client.newestDumpScript(directory: directory)
        script += """
            [ -f "$rollout_source" ] || { echo "rollout: no dump at $rollout_source" >&2; exit 1; }
            printf 'rollout-source %s\\n' "$rollout_source"

            """
        script += client.dumpScript(directory: directory, name: client.safetyDumpName(runID: context.runID, step: context.stepIndex))
        script += "rollout_undo \(Undo.CodingKeys.safetyBackup.stringValue) \"$rollout_dump\" || exit 1\n"
        script += client.restoreScript
        script += TableWrites.recordScript(environment: [:])
        let recordedResult = try await context.runRecorded(RemoteCommand(script, environment: client.environment))
        let counters = TableWrites.recorded(from: recordedResult.stdoutText)
        let result = TableWrites.removingRecord(from: recordedResult)
        var fields = StepRun.commandFields(result)
        let restored = result.stdoutText.split(separator: "\n").first { $0.hasPrefix("rollout-source ") }
            .map { String($0.dropFirst("rollout-source ".count)) }
        let safety = PostgresClient.dump(from: result.stdoutText)
        fields["path"] = restored ?? ""
        fields["safety_backup"] = safety?.path ?? ""
        let undo = safety.map { Undo(safetyBackup: $0.path, counters: counters).fields }
        guard result.succeeded else {
            return StepRun(
                outcome: .failed, command: result, fields: fields,
                failure:
                    "could not restore \(client.description)\(restored.map { " from \($0)" } ?? ""): \(PostgresClient.errorMessage(of: result, masker: context.masker))",
                undo: undo)
        }
        return StepRun(outcome: .changed, command: result, fields: fields, undo: undo)
    }

    public func undo(_ undo: Undo, in context: StepContext) async throws -> StepRun {
        guard let safety = undo.safetyBackup else {
            return StepRun(outcome: .failed, failure: "the run record has no safety backup to restore for this step")
        }
        return try await PostgresClient(connection, in: context).restore(from: safety, in: context)
    }

    /// Putting the safety dump back deletes every write since the restore: refused while the
    /// database received writes since it ended (see `TableWrites`).
    public func undoObjection(_ undo: Undo, in context: StepContext) async throws -> String? {
        guard undo.safetyBackup != nil else { return nil }
        return try await PostgresClient(connection, in: context).writesObjection(since: undo.counters, in: context)
    }

    public var recordsUndoFirst: Bool { true }
}
