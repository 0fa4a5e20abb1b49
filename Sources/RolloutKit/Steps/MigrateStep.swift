/// Runs a schema migration, then checks that `expect_tables` exist.
/// `migrate: { run: venv/bin/flask db upgrade, cwd: /opt/app, expect_tables: [payments] }`.
/// Undo: `undo:` when given (e.g. `alembic downgrade -1`), otherwise the database is restored
/// from this run's earlier `backup_database`.
public struct MigrateStep: Step {
    public static let kind = "migrate"
    public static let mainOption: String? = "run"
    public static let optionKeys = ["run", "cwd", "env", "expect_tables", "undo"] + DatabaseConnection.keys

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
}
