import Foundation

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
        undo.map { "runs \(render($0))" }
            ?? "restores the database from this run's backup_database, unless it received writes since the migration (then --force)"
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
    /// What a migration records before it runs: how it is undone (`undo: command`, with the
    /// command as rendered; or the dump to `restore` and the database, without its password;
    /// or why nothing can undo it), and once it ended the database's write `counters`, so that
    /// an undo can tell the writes made since from the migration's own.
    public struct Undo: UndoRecord {
        var undo: String?
        var command: String?
        var restore: String?
        var backupStep: String?
        var database: String?
        var user: String?
        var host: String?
        var port: String?
        var dumpSize: String?
        var counters: String?
        var none: String?

        enum CodingKeys: String, CodingKey {
            case undo, command, restore
            case backupStep = "backup_step"
            case database, user, host, port
            case dumpSize = "dump_size"
            case counters, none
        }

        public var sources: [String] { restore.map { [$0] } ?? [] }

        public var preview: UndoPreview {
            if undo == "command" {
                return UndoPreview(
                    putsBack: "the schema before the migration, by its undo: command\(command.map { " (\($0))" } ?? "")",
                    throwsAway: "what the migration changed; the rows written since stay")
            }
            guard let restore else { return UndoPreview(putsBack: "nothing: \(none ?? "the record holds no way to undo it")") }
            let database = database ?? "the database"
            var dump = "the dump \(restore)"
            // Dumps are named after the run that took them, and run IDs after their start.
            if let range = restore.range(of: "[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}", options: [.regularExpression, .backwards]),
                let time = RunID(String(restore[range]))?.startTime
            {
                dump += " (taken by the run of \(Self.timeText(time)))"
            }
            if let dumpSize { dump += ", \(dumpSize) bytes" }
            return UndoPreview(
                putsBack: "database \(database) from \(dump)",
                throwsAway:
                    "\(database) as it is now (a safety dump is taken first); it refuses if \(database) received writes since the deploy, unless --force"
            )
        }

        private static func timeText(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
            return formatter.string(from: date)
        }
    }

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
            return
                "undo: restore \(client.database) from the dump of step \(step.index + 1) '\(step.name)', unless it received writes since the migration (then: rollout rollback --force)"
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
    /// With `after`, the command runs in a subshell (an `exit` in it ends only it), then
    /// `after`, and the whole ends with the command's status.
    private func command(_ template: Template, prefix: String = "", after: String = "", in context: StepContext) throws(StepError)
        -> RemoteCommand
    {
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
        let body = after.isEmpty ? script.text : "(\n\(script.text)\n)\nrollout_status=$?\n\(after)exit $rollout_status\n"
        return RemoteCommand(prefix + body, cwd: directory?.text, environment: environment, sensitive: sensitive)
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
        var undoData: Undo
        var guardScript = ""
        var countersScript = ""
        switch source {
        case .command:
            undoData = Undo(undo: "command")
            // The command as rendered now, so `rollout rollback` later runs the same one: it may
            // name a result this run registered (`alembic downgrade {{ before.stdout }}`), which a
            // later process cannot render again. Not kept when it holds a secret.
            if let template = undo, let rendered = try? context.render(template), !rendered.containsSecrets, !rendered.text.contains("\n") {
                undoData.command = rendered.text
            }
        case .backup(let step, let client):
            guard let path = step.fields["path"], !path.isEmpty else {
                throw context.failure("step \(step.index + 1) '\(step.name)' recorded no dump to undo this migration from")
            }
            undoData = Undo(
                restore: path, backupStep: String(step.index), database: client.database, user: client.user, host: client.host,
                port: client.port.map(String.init), dumpSize: step.fields["size"])
            // After the migration, whatever its end: the writes an undo finds beyond these are
            // someone else's.
            countersScript = TableWrites.recordScript(environment: client.environment)
            guardScript =
                "[ -f \(ShellWord.path(path)) ] || { echo \"rollout: the backup \(path) is gone; not migrating without it\" >&2; exit 1; }\n"
        case .none(let reason):
            undoData = Undo(none: reason)
        }
        let record = undoData.fields.sorted { $0.key < $1.key }
            .map { "rollout_undo \(ShellWord.quote($0.key)) \(ShellWord.quote($0.value))" }.joined(separator: " && ")
        var migration = try command(run, prefix: guardScript + "{ \(record); } || exit 1\n", after: countersScript, in: context)
        // The counters' connection carries the database password.
        if !countersScript.isEmpty { migration.sensitive = true }
        let recordedResult = try await context.runRecorded(migration)
        undoData.counters = TableWrites.recorded(from: recordedResult.stdoutText)
        let result = TableWrites.removingRecord(from: recordedResult)
        let fields = StepRun.commandFields(result)
        let recorded = undoData.fields
        guard result.succeeded else {
            return StepRun(
                outcome: .failed, command: result, fields: fields,
                failure: "the migration \(CommandFailure.describe(result, masker: context.masker))", undo: recorded)
        }
        if let tables {
            let check = try await context.run(
                RemoteCommand(
                    PostgresClient.queryCommand, environment: tables.environment,
                    stdin: Array(PostgresClient.missingTablesQuery(expectTables).utf8)))
            guard check.succeeded else {
                return StepRun(
                    outcome: .failed, command: result, fields: fields,
                    failure: "could not check the tables in \(tables.description): \(PostgresClient.errorMessage(of: check, masker: context.masker))",
                    undo: recorded)
            }
            let missing = PostgresClient.rows(fromQueryOutput: check.stdout).compactMap(\.first)
            guard missing.isEmpty else {
                return StepRun(
                    outcome: .failed, command: result, fields: fields,
                    failure: "the migration ran, but \(tables.database) has no table \(missing.joined(separator: ", "))",
                    undo: recorded)
            }
        }
        return StepRun(outcome: .changed, command: result, fields: fields, undo: recorded)
    }

    public func undo(_ undo: Undo, in context: StepContext) async throws -> StepRun {
        if undo.undo == "command", let template = self.undo {
            let recorded = undo.command.map { Template(literal: $0) }
            let result = try await context.run(try command(recorded ?? template, in: context))
            return StepRun(
                outcome: result.succeeded ? .changed : .failed, command: result,
                failure: result.succeeded ? nil : "the undo command \(CommandFailure.describe(result, masker: context.masker))")
        }
        if let path = undo.restore {
            guard let client = try restoreClient(undo, in: context) else {
                return StepRun(outcome: .failed, failure: "the run record does not say which database to restore")
            }
            return try await client.restore(from: path, in: context)
        }
        let reason = undo.none ?? "the run record holds no way to undo it"
        return StepRun(
            outcome: .failed,
            failure:
                "this migration cannot be undone: \(reason); restore the database by hand (add a backup_database step before the migration, or an 'undo:' command)"
        )
    }

    /// The connection a restore uses: the migration's own, else the backup step's (with its
    /// password), else what the record kept (no password); nil when none.
    private func restoreClient(_ undo: Undo, in context: StepContext) throws(StepError) -> PostgresClient? {
        let backupStep = undo.backupStep.flatMap(Int.init)
        let backup = context.finishedSteps.first { $0.index == backupStep }?.step as? any DatabaseDumpStep
        if let connection { return try PostgresClient(connection, in: context) }
        if let backup { return try PostgresClient(backup.connection, in: context) }
        return PostgresClient(recordFields: undo.fields)
    }

    /// A restore from the dump deletes every write since the dump: refused while the database
    /// received writes since the migration ended (see `TableWrites`). An `undo:` command (a
    /// downgrade) keeps the rows, so it has nothing to object to.
    public func undoObjection(_ undo: Undo, in context: StepContext) async throws -> String? {
        guard undo.undo != "command", undo.restore != nil, let client = try restoreClient(undo, in: context) else { return nil }
        return try await client.writesObjection(since: undo.counters, in: context)
    }

    public var recordsUndoFirst: Bool { true }
    /// Without `undo:` it restores from the dump an earlier `backup_database` registered, a
    /// path the run record does not keep.
    public var needsEarlierResults: Bool { undo == nil }
}
