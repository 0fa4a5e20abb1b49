/// Runs a shell command on the host. `shell: make build`, or with options:
/// `shell: { run: …, cwd: …, env: {…}, expect_exit: [0, 1], stdin: …, read_only: true }`.
/// No undo: the plan says so.
public struct ShellStep: Step {
    public static let kind = "shell"
    public static let mainOption: String? = "run"
    public static let options: [OptionSpec] = [
        OptionSpec("run", .text, required: true, "The command, run with /bin/sh."),
        OptionSpec("cwd", .text, "Working directory."),
        OptionSpec("env", .textMap, "Environment variables for the command."),
        OptionSpec("expect_exit", .numbers, "Exit codes that count as success. Default [0]."),
        OptionSpec("stdin", .text, "Text given on stdin."),
        OptionSpec("read_only", .flag, "The command changes nothing; it also runs under --check."),
    ]

    /// The command, run by `/bin/sh`.
    public var run: Template
    public var cwd: Template?
    public var env: [TemplateEntry]
    /// Exit codes that count as success (default `[0]`).
    public var expectExit: [Int]
    /// Text given on stdin.
    public var stdin: Template?
    /// The command only reads (it then also runs under `--check`).
    public var readOnly: Bool

    public init?(options: OptionReader, context: StepDecodingContext) {
        let run = options.template("run", required: true)
        cwd = options.template("cwd")
        env = options.templateMap("env") ?? []
        expectExit = options.ints("expect_exit", in: 0...255) ?? [0]
        stdin = options.template("stdin")
        readOnly = options.bool("read_only") ?? false
        guard let run else { return nil }
        self.run = run
    }

    public var mutates: Bool { !readOnly }
    public var summary: String { "shell: \(run.shortened)" }
}

extension ShellStep: RunnableStep {
    /// A read-only shell step asserts whatever its author wrote, often something only the new
    /// deploy makes true (its revision): after a rollback it is not run again. `check` and
    /// `wait_for` are the steps that show the restored state works.
    public var runsAgainAfterRollback: Bool { false }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let command = try context.render(run)
        var lines = ["run: \(command.masked)"]
        if let cwd { lines.append("cwd: \(try context.render(cwd).masked)") }
        return StepPlan(lines, changes: readOnly ? .none : .maybe)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        result(of: try await context.runRecorded(try command(in: context)))
    }
}

extension ShellStep: BatchableStep {
    public func command(in context: StepContext) throws(StepError) -> RemoteCommand {
        let script = try context.render(run)
        let directory = try cwd.map { template throws(StepError) in try context.render(template) }
        var environment: [String: String] = [:]
        var secretInEnvironment = false
        for entry in env {
            guard case .text(let template) = entry.value else {
                throw context.failure("env '\(entry.key)' must be text")
            }
            let value = try context.render(template)
            secretInEnvironment = secretInEnvironment || value.containsSecrets
            environment[entry.key] = value.text
        }
        let input = try stdin.map { template throws(StepError) in Array(try context.render(template).text.utf8) } ?? []
        return RemoteCommand(
            script.text, cwd: directory?.text, environment: environment, stdin: input,
            sensitive: script.containsSecrets || directory?.containsSecrets == true || secretInEnvironment)
    }

    /// Shell steps with stdin need a command of their own.
    public var batchable: Bool { stdin == nil }

    public func result(of command: CommandResult) -> StepRun {
        let expected = command.exitStatus.map { expectExit.contains(Int($0)) } ?? false
        return StepRun(
            outcome: expected ? (readOnly ? .ok : .changed) : .failed,
            command: command,
            fields: StepRun.commandFields(command),
            failure: expected ? nil : CommandFailure.describe(command, expected: expectExit))
    }

    public var expectedExitCodes: [Int] { expectExit }
}
