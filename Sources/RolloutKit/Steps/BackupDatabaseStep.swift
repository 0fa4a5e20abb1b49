import Foundation

/// Dumps a database with `pg_dump -Fc` to a temporary name, reads it back whole with
/// `pg_restore`, then renames it; records its path, size and sha256. Before the run changes
/// anything it checks that the dump directory is writable and has room.
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
    /// How many backups to keep in `dir`; nil keeps all. A dump that a run which can still be
    /// undone restores from is never pruned.
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

extension BackupDatabaseStep: RunnableStep {
    /// Where the dump goes on this host: `dir`, or `<state_dir>/backups`.
    func directory(in context: StepContext) throws(StepError) -> String {
        guard let dir else { return Self.defaultDirectory(stateDirectory: context.stateDirectory) }
        let rendered = try context.render(dir)
        guard !rendered.containsSecrets else { throw context.failure("'dir' must not contain a secret") }
        return rendered.text
    }

    /// `<state_dir>/backups`, where backups go and where `restore_database` looks by default.
    static func defaultDirectory(stateDirectory: String) -> String {
        (stateDirectory.hasSuffix("/") ? stateDirectory : stateDirectory + "/") + "backups"
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let client = try PostgresClient(connection, in: context)
        let directory = try directory(in: context)
        var lines = [
            "pg_dump -Fc \(client.description) to \(directory)/\(client.dumpName(runID: context.runID, step: context.stepIndex)), read back whole with pg_restore",
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
            let history = try await context.run(RemoteCommand(RunHistory.readScript(stateDirectory: context.stateDirectory)))
            protected = Self.undoSourceNames(in: RunHistory.records(fromOutput: history.stdoutText).records)
        }
        let script = client.dumpScript(
            directory: directory, name: client.dumpName(runID: context.runID, step: context.stepIndex), keep: keep,
            protected: protected)
        let result = try await context.runRecorded(RemoteCommand(script, environment: client.environment))
        var fields = StepRun.commandFields(result)
        guard result.succeeded, let dump = PostgresClient.dump(from: result.stdoutText) else {
            return StepRun(outcome: .failed, command: result, fields: fields,
                           failure: "could not back up \(client.description): \(PostgresClient.errorMessage(of: result))")
        }
        fields["path"] = dump.path
        fields["size"] = dump.size
        fields["sha256"] = dump.sha256
        fields["stdout"] = "\(dump.path): \(dump.size) bytes, sha256 \(dump.sha256)"
        return StepRun(outcome: .ok, command: result, fields: fields)
    }

    /// The file names of every undo source of the runs in `records` that can still be undone:
    /// each playbook's newest successful run (what `rollout rollback` undoes), and every run
    /// that did not finish cleanly (failed, interrupted, cut off, or whose rollback failed).
    /// A rolled-back run needs nothing any more.
    static func undoSourceNames(in records: [RunRecord]) -> Set<String> {
        let unfinished = records.filter { [.failed, .rollbackFailed, .running, .interrupted].contains($0.status) }
        let newestSucceeded = Dictionary(grouping: records.filter { $0.status == .succeeded }, by: \.playbook).values
            .compactMap { runs in runs.max { $0.runID < $1.runID } }
        let values = (unfinished + newestSucceeded).flatMap(\.undoableSteps).flatMap(\.undo.values)
        return Set(values.filter { $0.hasPrefix("/") || $0.hasPrefix("~") }.map { ($0 as NSString).lastPathComponent })
    }

    /// A new dump after a rollback says nothing about the restored deployment, and `keep` would
    /// push out an older one.
    public var runsAgainAfterRollback: Bool { false }
}
