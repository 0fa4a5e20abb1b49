/// Restores a database from a recorded backup, after taking a safety backup of its current
/// state. `restore_database: { database: app, user: app_user, backup: "{{ db_backup.path }}" }`.
/// Undo: restore the safety backup.
public struct RestoreDatabaseStep: Step {
    public static let kind = "restore_database"
    public static let optionKeys = ["engine", "backup"] + DatabaseConnection.keys
    public static let resultFields = RegisteredResult.commonFields + ["path", "safety_backup"]

    public var engine: String
    public var connection: DatabaseConnection
    /// Path of the dump on the host; nil takes the newest backup recorded for this playbook.
    public var backup: Template?

    public init?(options: OptionReader, context: StepDecodingContext) {
        engine = options.choice("engine", BackupDatabaseStep.engines) ?? "postgres"
        let connection = DatabaseConnection.read(from: options)
        backup = options.template("backup")
        guard let connection else { return nil }
        self.connection = connection
    }

    public var mutates: Bool { true }
    public var summary: String { "restore_database \(connection.database.shortened)" }
}
