/// A step that leaves a dump of a database on its host (`backup_database`): a later `migrate`
/// of the same run is undone by restoring it, and `restore_database` finds it by default.
///
/// Steps that need a dump ask for this capability instead of naming the kind that makes it.
public protocol DatabaseDumpStep: RunnableStep {
    /// The database the dump is of.
    var connection: DatabaseConnection { get }
}

extension DatabaseConnection {
    /// The database engines the database steps speak.
    public static let engines = ["postgres"]

    /// `<state_dir>/backups`, where dumps go unless a step says otherwise, and where
    /// `restore_database` looks by default.
    static func defaultDumpDirectory(stateDirectory: String) -> String {
        (stateDirectory.hasSuffix("/") ? stateDirectory : stateDirectory + "/") + "backups"
    }
}
