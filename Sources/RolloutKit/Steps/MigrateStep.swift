/// Runs a schema migration, then checks that `expect_tables` exist.
/// `migrate: { run: venv/bin/flask db upgrade, cwd: /opt/app, expect_tables: [payments] }`.
/// Undo: `undo:` when given (e.g. `alembic downgrade -1`), otherwise the database is restored
/// from the dump of this run's newest earlier `backup_database` on the same host (of the same
/// database, when the step names one). With neither, the undo fails and says why, so a run that
/// has to roll back past the migration ends with exit 3 instead of leaving it in place unnoticed.
public struct MigrateStep: Step {
    public static let kind = "migrate"
    public static let mainOption: String? = "run"
    public static let options: [OptionSpec] =
        [
            OptionSpec("run", .text, required: true, "The migration command."),
            OptionSpec("cwd", .text, "Working directory."),
            OptionSpec("env", .textMap, "Environment variables for the command."),
            OptionSpec("expect_tables", .texts, "Tables that must exist afterwards."),
            OptionSpec("undo", .text, "Command that reverses the migration (default: restore this run's backup)."),
        ] + DatabaseConnection.options

    public var run: Template
    public var cwd: Template?
    public var env: [TemplateEntry]
    /// Tables that must exist afterwards.
    public var expectTables: [String]
    /// Command that reverses the migration.
    public var undo: Template?
    /// Where `expect_tables` are looked up; nil uses the earlier `backup_database`'s database.
    public var connection: DatabaseConnection?

    public init?(options: OptionReader, context: StepDecodingContext) {
        let run = options.template("run", required: true)
        cwd = options.template("cwd")
        env = options.templateMap("env") ?? []
        expectTables = options.strings("expect_tables") ?? []
        undo = options.template("undo")
        connection = DatabaseConnection.read(from: options, required: false)
        if connection == nil, ["user", "host", "port", "password"].contains(where: options.has) {
            options.error("the database options of 'migrate' need 'database' too")
        }
        guard let run else { return nil }
        self.run = run
    }

    public var mutates: Bool { true }
    public var summary: String { "migrate: \(run.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String {
        undo.map { "runs \(render($0))" } ?? "restores the database from this run's backup_database"
    }

    /// A migration with nothing to undo it is the riskiest step a deploy can take.
    public func lint(after earlier: [any Step], reportingTo sink: DiagnosticSink, at location: FileLocation) {
        let backedUp = earlier.contains { $0 is any DatabaseDumpStep }
        if undo == nil, !backedUp {
            sink.warning("this migration cannot be undone: add a 'backup_database' step before it, or an 'undo:' command", at: location)
        }
        if !expectTables.isEmpty, connection == nil, !backedUp {
            sink.error(
                "'expect_tables' needs a database to look in: add 'database:' to this step, or a 'backup_database' step before it", at: location)
        }
    }
}

extension MigrateStep: RunnableStep {
    /// How the migration is undone on one host, decided before it runs.
    enum UndoSource {
        /// The step's `undo:` command.
        case command
        /// A restore from the dump an earlier `backup_database` of this run made on this host.
        case backup(FinishedStep, PostgresClient)
        /// Nothing can undo it; the reason says why.
        case none(String)
    }

    /// `undo:` when given; otherwise the newest earlier `backup_database` of this run on this
    /// host (of the step's own database, when it names one).
    func undoSource(in context: StepContext, ownDatabase: PostgresClient?) throws(StepError) -> UndoSource {
        if undo != nil { return .command }
        for finished in context.finishedSteps.reversed() {
            guard let backup = finished.step as? any DatabaseDumpStep else { continue }
            let client = try PostgresClient(backup.connection, in: context)
            if let ownDatabase, !ownDatabase.sameDatabase(as: client) { continue }
            return .backup(finished, client)
        }
        return .none("no backup_database\(ownDatabase.map { " of \($0.database)" } ?? "") ran before it on \(context.host.name) in this run")
    }

    private func describe(_ source: UndoSource, in context: StepContext) throws(StepError) -> String {
        switch source {
        case .command:
            return "undo: \(try undo.map { template throws(StepError) in try context.render(template).masked } ?? "")"
        case .backup(let step, let client):
            return "undo: restore \(client.database) from the dump of step \(step.index + 1) '\(step.name)'"
        case .none(let reason):
            return "undo: none (\(reason)); if a later step fails, the run stops with exit 3 and the migration stays"
        }
    }

    /// The connection `expect_tables` are looked up with: the step's own, else the backup's.
    private func tableDatabase(own: PostgresClient?, source: UndoSource, in context: StepContext) throws(StepError) -> PostgresClient? {
        guard !expectTables.isEmpty else { return nil }
        if let own { return own }
        if case .backup(_, let client) = source { return client }
        throw context.failure(
            "'expect_tables' needs a database to look in",
            hint: "add 'database:' to this migrate step, or back up the database earlier in this run on this host")
    }

    /// `template` as a command with the step's `cwd` and `env` (the migration and its `undo:`).
    private func command(_ template: Template, prefix: String = "", in context: StepContext) throws(StepError) -> RemoteCommand {
        let script = try context.render(template)
        let directory = try cwd.map { template throws(StepError) in try context.render(template) }
        var environment: [String: String] = [:]
        var sensitive = script.containsSecrets || directory?.containsSecrets == true
        for entry in env {
            guard case .text(let value) = entry.value else { throw context.failure("env '\(entry.key)' must be text") }
            let rendered = try context.render(value)
            sensitive = sensitive || rendered.containsSecrets
            environment[entry.key] = rendered.text
        }
        return RemoteCommand(prefix + script.text, cwd: directory?.text, environment: environment, sensitive: sensitive)
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let own = try connection.map { connection throws(StepError) in try PostgresClient(connection, in: context) }
        let source = try undoSource(in: context, ownDatabase: own)
        var lines = ["run: \(try context.render(run).masked)"]
        if let cwd { lines.append("cwd: \(try context.render(cwd).masked)") }
        if let database = try tableDatabase(own: own, source: source, in: context) {
            lines.append("then check that \(expectTables.joined(separator: ", ")) exist in \(database.description)")
        }
        lines.append(try describe(source, in: context))
        return StepPlan(lines, changes: .maybe)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let own = try connection.map { connection throws(StepError) in try PostgresClient(connection, in: context) }
        let source = try undoSource(in: context, ownDatabase: own)
        let tables = try tableDatabase(own: own, source: source, in: context)
        var undoData: [String: String]
        var guardScript = ""
        switch source {
        case .command:
            undoData = ["undo": "command"]
            // The command as rendered now, so `rollout rollback` later runs the same one: it may
            // name a result this run registered (`alembic downgrade {{ before.stdout }}`), which a
            // later process cannot render again. Not kept when it holds a secret.
            if let template = undo, let rendered = try? context.render(template), !rendered.containsSecrets, !rendered.text.contains("\n") {
                undoData["command"] = rendered.text
            }
        case .backup(let step, let client):
            guard let path = step.fields["path"], !path.isEmpty else {
                throw context.failure("step \(step.index + 1) '\(step.name)' recorded no dump to undo this migration from")
            }
            undoData = client.recordFields.merging(["restore": path, "backup_step": String(step.index)]) { $1 }
            guardScript =
                "[ -f \(ShellWord.path(path)) ] || { echo \"rollout: the backup \(path) is gone; not migrating without it\" >&2; exit 1; }\n"
        case .none(let reason):
            undoData = ["none": reason]
        }
        let record = undoData.sorted { $0.key < $1.key }
            .map { "rollout_undo \(ShellWord.quote($0.key)) \(ShellWord.quote($0.value))" }.joined(separator: " && ")
        let migration = try command(run, prefix: guardScript + "{ \(record); } || exit 1\n", in: context)
        let result = try await context.runRecorded(migration)
        let fields = StepRun.commandFields(result)
        guard result.succeeded else {
            return StepRun(
                outcome: .failed, command: result, fields: fields,
                failure: "the migration \(CommandFailure.describe(result))", undo: undoData)
        }
        if let tables {
            let check = try await context.run(
                RemoteCommand(
                    PostgresClient.queryCommand, environment: tables.environment,
                    stdin: Array(PostgresClient.missingTablesQuery(expectTables).utf8)))
            guard check.succeeded else {
                return StepRun(
                    outcome: .failed, command: result, fields: fields,
                    failure: "could not check the tables in \(tables.description): \(PostgresClient.errorMessage(of: check))",
                    undo: undoData)
            }
            let missing = PostgresClient.rows(fromQueryOutput: check.stdout).compactMap(\.first)
            guard missing.isEmpty else {
                return StepRun(
                    outcome: .failed, command: result, fields: fields,
                    failure: "the migration ran, but \(tables.database) has no table \(missing.joined(separator: ", "))",
                    undo: undoData)
            }
        }
        return StepRun(outcome: .changed, command: result, fields: fields, undo: undoData)
    }

    public func undo(_ undo: [String: String], in context: StepContext) async throws -> StepRun {
        if undo["undo"] == "command", let template = self.undo {
            let recorded = undo["command"].map { Template(literal: $0) }
            let result = try await context.run(try command(recorded ?? template, in: context))
            return StepRun(
                outcome: result.succeeded ? .changed : .failed, command: result,
                failure: result.succeeded ? nil : "the undo command \(CommandFailure.describe(result))")
        }
        if let path = undo["restore"] {
            // The migration's own connection, else the backup step's (with its password), else
            // what the record kept (no password).
            let backupStep = undo["backup_step"].flatMap(Int.init)
            let backup = context.finishedSteps.first { $0.index == backupStep }?.step as? any DatabaseDumpStep
            let client =
                try connection.map { connection throws(StepError) in try PostgresClient(connection, in: context) }
                ?? backup.map { backup throws(StepError) in try PostgresClient(backup.connection, in: context) }
                ?? PostgresClient(recordFields: undo)
            guard let client else { return StepRun(outcome: .failed, failure: "the run record does not say which database to restore") }
            return try await client.restore(from: path, in: context)
        }
        let reason = undo["none"] ?? "the run record holds no way to undo it"
        return StepRun(
            outcome: .failed,
            failure:
                "this migration cannot be undone: \(reason); restore the database by hand (add a backup_database step before the migration, or an 'undo:' command)"
        )
    }

    public func undoSources(_ undo: [String: String]) -> [String] { undo["restore"].map { [$0] } ?? [] }

    public var recordsUndoFirst: Bool { true }
    /// Without `undo:` it restores from the dump an earlier `backup_database` registered, a
    /// path the run record does not keep.
    public var needsEarlierResults: Bool { undo == nil }
}
