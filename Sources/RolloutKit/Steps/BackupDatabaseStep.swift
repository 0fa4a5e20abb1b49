import Foundation

/// Dumps a database with `pg_dump -Fc` to a temporary name, reads it back whole with
/// `pg_restore`, then renames it; records its path, size and sha256. Before the run changes
/// anything it checks that the dump directory is writable and has room.
/// `backup_database: { engine: postgres, database: app, user: app_user }`.
/// It is the undo source of a later `migrate` and the input of `restore_database`.
public struct BackupDatabaseStep: Step {
    public static let kind = "backup_database"
    public static let options: [OptionSpec] =
        [
            OptionSpec("engine", .choice(["postgres"]), "postgres (the only one). Default postgres."),
            OptionSpec("dir", .text, "Where the dump is kept. Default <state_dir>/backups."),
            OptionSpec("keep", .number, "How many dumps of this database to keep in dir. Default all."),
        ] + DatabaseConnection.options.requiring("database")
    public static let resultFields = RegisteredResult.commonFields + ["path", "size", "sha256"]

    public var engine: String
    public var connection: DatabaseConnection
    /// Directory for the dump on the host; nil uses `<state_dir>/backups`.
    public var dir: Template?
    /// How many backups to keep in `dir`; nil keeps all. A dump that a run which can still be
    /// undone restores from is never pruned.
    public var keep: Int?

    public init?(options: OptionReader, context: StepDecodingContext) {
        engine = options.choice("engine", DatabaseConnection.engines) ?? "postgres"
        let connection = DatabaseConnection.read(from: options)
        dir = options.template("dir")
        keep = options.int("keep", in: 1...1000)
        guard let connection else { return nil }
        self.connection = connection
    }

    /// It writes a new file but changes nothing a deploy depends on, so nothing to undo.
    public var mutates: Bool { false }
    public var summary: String { "backup_database \(connection.database.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String { "none (this backup is what later undos restore from)" }
}

extension BackupDatabaseStep: DatabaseDumpStep {
    /// Where the dump goes on this host: `dir`, or `<state_dir>/backups`.
    func directory(in context: StepContext) throws(StepError) -> String {
        guard let dir else { return DatabaseConnection.defaultDumpDirectory(stateDirectory: context.stateDirectory) }
        let rendered = try context.render(dir)
        guard !rendered.containsSecrets else { throw context.failure("'dir' must not contain a secret") }
        return rendered.text
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let client = try PostgresClient(connection, in: context)
        let directory = try directory(in: context)
        var lines = [
            "pg_dump -Fc \(client.description) to \(directory)/\(client.dumpName(runID: context.runID, step: context.stepIndex)), read back whole with pg_restore"
        ]
        if let keep { lines.append("then keep the newest \(keep) dumps of \(client.database) in \(directory)") }
        return StepPlan(lines, changes: .none)
    }

    /// A dump that fails for want of room fails the run; found before the run starts, nothing
    /// has changed yet.
    public func preflight(in context: StepContext) async throws {
        // Options built from earlier steps' results cannot be rendered yet: checked when it runs.
        guard let client = try? PostgresClient(connection, in: context), let directory = try? directory(in: context) else { return }
        try await client.checkRoom(in: directory, context: context)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let client = try PostgresClient(connection, in: context)
        let directory = try directory(in: context)
        var protected: Set<String> = []
        if keep != nil {
            // One more round trip, only with `keep:`: the runs whose undo may still restore a dump.
            protected = try await context.undoSourcesInUse()
        }
        let script = client.dumpScript(
            directory: directory, name: client.dumpName(runID: context.runID, step: context.stepIndex), keep: keep,
            protected: protected)
        let result = try await context.runRecorded(RemoteCommand(script, environment: client.environment))
        var fields = StepRun.commandFields(result)
        guard result.succeeded, let dump = PostgresClient.dump(from: result.stdoutText) else {
            return StepRun(
                outcome: .failed, command: result, fields: fields,
                failure: "could not back up \(client.description): \(PostgresClient.errorMessage(of: result, masker: context.masker))")
        }
        fields["path"] = dump.path
        fields["size"] = dump.size
        fields["sha256"] = dump.sha256
        fields["stdout"] = "\(dump.path): \(dump.size) bytes, sha256 \(dump.sha256)"
        return StepRun(outcome: .ok, command: result, fields: fields)
    }

    /// A new dump after a rollback says nothing about the restored deployment, and `keep` would
    /// push out an older one.
    public var runsAgainAfterRollback: Bool { false }
}
