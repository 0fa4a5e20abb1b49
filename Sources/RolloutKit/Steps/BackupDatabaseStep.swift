/// Dumps a database with `pg_dump -Fc` to a temporary name, verifies it with
/// `pg_restore --list`, then renames it; records its path, size and sha256.
/// `backup_database: { engine: postgres, database: app, user: app_user }`.
/// It is the undo source of a later `migrate` and the input of `restore_database`.
public struct BackupDatabaseStep: Step {
    public static let kind = "backup_database"
    public static let optionKeys = ["engine", "dir", "keep"] + DatabaseConnection.keys
    public static let resultFields = RegisteredResult.commonFields + ["path", "size", "sha256"]
    public static let engines = ["postgres"]

    public var engine: String
    public var connection: DatabaseConnection
    /// Directory for the dump on the host; nil uses `<state_dir>/backups`.
    public var dir: Template?
    /// How many backups to keep in `dir`; nil keeps all.
    public var keep: Int?

    public init?(options: OptionReader, context: StepDecodingContext) {
        engine = options.choice("engine", Self.engines) ?? "postgres"
        let connection = DatabaseConnection.read(from: options)
        dir = options.template("dir")
        keep = options.int("keep", in: 1...1000)
        guard let connection else { return nil }
        self.connection = connection
    }

    /// It writes a new file but changes nothing a deploy depends on, so nothing to undo.
    public var mutates: Bool { false }
    public var summary: String { "backup_database \(connection.database.shortened)" }
}
