/// Every step kind a playbook may use. Adding a kind is one file and one line here.
public enum StepRegistry {
    /// The kinds, in the order the reference lists them.
    public static let kinds: [any RunnableStep.Type] = [
        ShellStep.self,
        UploadStep.self,
        ReleaseStep.self,
        SetEnvStep.self,
        GitStep.self,
        BackupDatabaseStep.self,
        MigrateStep.self,
        RestartServiceStep.self,
        CheckStep.self,
        CallbackStep.self,
        SQLStep.self,
        WaitForStep.self,
        HTTPStep.self,
        RestoreDatabaseStep.self,
    ]

    /// The kind named `name`.
    public static func kind(named name: String) -> (any RunnableStep.Type)? {
        kinds.first { $0.kind == name }
    }

    /// All kind names.
    public static var names: [String] { kinds.map { $0.kind } }
}
