import Foundation

/// Runs a shell command on the host. `shell: make build`, or with options:
/// `shell: { run: …, cwd: …, env: {…}, expect_exit: [0, 1], stdin: …, read_only: true }`, and
/// `expect: { exit: [0, 1], stdout_contains: ok, stdout_matches: 'r\d+', stderr_contains: …,
/// stderr_matches: … }` to assert what it printed. No undo: the plan says so.
public struct ShellStep: Step {
    public static let kind = "shell"
    public static let mainOption: String? = "run"
    static let expectOptions: [OptionSpec] = [
        OptionSpec("exit", .numbers, "Exit codes that count as success."),
        OptionSpec("stdout_contains", .texts, "Text (or texts) stdout must contain."),
        OptionSpec("stdout_matches", .text, "A regular expression stdout must match."),
        OptionSpec("stderr_contains", .texts, "Text (or texts) stderr must contain."),
        OptionSpec("stderr_matches", .text, "A regular expression stderr must match."),
    ]
    public static let options: [OptionSpec] = [
        OptionSpec("run", .text, required: true, "The command, run with /bin/sh."),
        OptionSpec("cwd", .text, "Working directory."),
        OptionSpec("env", .textMap, "Environment variables for the command."),
        OptionSpec("expect_exit", .numbers, "Exit codes that count as success. Default [0]."),
        OptionSpec("expect", .mapping(expectOptions), "What the command's exit code and output must show."),
        OptionSpec("stdin", .text, "Text given on stdin."),
        OptionSpec("read_only", .flag, "The command changes nothing; it also runs under --check."),
        OptionSpec("undo", .text, "The command that reverses it, run with the step's cwd and env when the run rolls back."),
    ]
    static let expectKeys = expectOptions.names

    /// What the command's output must show, besides its exit code.
    public struct OutputExpectation: Sendable, Hashable {
        public var stdoutContains: [Template] = []
        public var stdoutMatches: [String] = []
        public var stderrContains: [Template] = []
        public var stderrMatches: [String] = []

        public var isEmpty: Bool { stdoutContains.isEmpty && stdoutMatches.isEmpty && stderrContains.isEmpty && stderrMatches.isEmpty }
    }

    /// The command, run by `/bin/sh`.
    public var run: Template
    /// The command that reverses `run`, run in the undo order.
    public var undo: Template?
    public var cwd: Template?
    public var env: [TemplateEntry]
    /// Exit codes that count as success (default `[0]`).
    public var expectExit: [Int]
    /// What stdout and stderr must show.
    public var expectOutput = OutputExpectation()
    /// Text given on stdin.
    public var stdin: Template?
    /// The command only reads (it then also runs under `--check`).
    public var readOnly: Bool

    public init?(options: OptionReader, context: StepDecodingContext) {
        let run = options.template("run", required: true)
        cwd = options.template("cwd")
        env = options.templateMap("env") ?? []
        options.atMostOne(of: ["expect_exit", "expect"])
        expectExit = options.ints("expect_exit", in: 0...255) ?? [0]
        if let expect = options.mapping("expect", context: "'expect'", allowed: Self.expectKeys) {
            if let exit = expect.ints("exit", in: 0...255) { expectExit = exit }
            expectOutput.stdoutContains = expect.templates("stdout_contains") ?? []
            expectOutput.stderrContains = expect.templates("stderr_contains") ?? []
            expectOutput.stdoutMatches = Self.patterns("stdout_matches", in: expect)
            expectOutput.stderrMatches = Self.patterns("stderr_matches", in: expect)
        }
        stdin = options.template("stdin")
        readOnly = options.bool("read_only") ?? false
        undo = options.template("undo")
        if undo != nil, readOnly { options.error("a read_only step changes nothing to undo; remove 'undo' or 'read_only'", at: "undo") }
        guard let run else { return nil }
        self.run = run
    }

    private static func patterns(_ key: String, in reader: OptionReader) -> [String] {
        guard let patterns = reader.strings(key) else { return [] }
        return patterns.filter { pattern in
            if (try? NSRegularExpression(pattern: pattern)) != nil { return true }
            reader.error("'\(pattern)' is not a valid regular expression", at: key)
            return false
        }
    }

    public var mutates: Bool { !readOnly }
    public var summary: String { "shell: \(run.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String {
        if let undo { return "runs \(render(undo))" }
        return readOnly ? "none needed (it changes nothing)" : "none (add 'undo:' with the command that reverses it)"
    }
}

extension ShellStep: RunnableStep {
    /// What a step with `undo:` records before its command runs: that it has one (the command
    /// itself is rendered again from the playbook when it is undone).
    public struct Undo: UndoRecord {
        var command: String?

        enum CodingKeys: String, CodingKey { case command }

        public var preview: UndoPreview { UndoPreview(putsBack: "what the step's undo: command puts back (it runs it)") }
    }

    /// A read-only shell step asserts whatever its author wrote, often something only the new
    /// deploy makes true (its revision): after a rollback it is not run again. `check` and
    /// `wait_for` are the steps that show the restored state works.
    public var runsAgainAfterRollback: Bool { false }

    /// With `undo:`, the step notes in the journal that it has one before its command runs: a
    /// journal without the note proves the command never started.
    public var recordsUndoFirst: Bool { undo != nil }
    /// Without output expectations a shell step is judged by its exit code alone.
    public func outcome(ofEndedCommand exitCode: Int32) -> StepOutcome? {
        guard expectOutput.isEmpty else { return nil }
        return expectExit.contains(Int(exitCode)) ? (readOnly ? .ok : .changed) : .failed
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let command = try context.render(run)
        var lines = ["run: \(command.masked)"]
        if let cwd { lines.append("cwd: \(try context.render(cwd).masked)") }
        var expected: [String] = []
        for template in expectOutput.stdoutContains { expected.append("stdout contains '\(try context.render(template).masked)'") }
        expected += expectOutput.stdoutMatches.map { "stdout ~ \($0)" }
        for template in expectOutput.stderrContains { expected.append("stderr contains '\(try context.render(template).masked)'") }
        expected += expectOutput.stderrMatches.map { "stderr ~ \($0)" }
        if !expected.isEmpty { lines.append("expect: " + expected.joined(separator: ", ")) }
        return StepPlan(lines, changes: readOnly ? .none : .maybe)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        var command = try command(in: context)
        if undo != nil { command.script = "rollout_undo \(Undo.CodingKeys.command.stringValue) 1 || exit 1\n" + command.script }
        var run = result(of: try await context.runRecorded(command), masker: context.masker)
        if undo != nil { run.undo = Undo(command: "1").fields }
        guard run.outcome != .failed, let result = run.command else { return run }
        let problems = try outputProblems(result, in: context)
        if !problems.isEmpty {
            run.outcome = .failed
            run.failure = context.masker.mask(problems.joined(separator: "; "))
        }
        return run
    }

    /// Runs `undo:` as the step ran its command: same cwd and environment, rendered now (under
    /// `rollout rollback`, from the playbook as it is).
    public func undo(_ record: Undo, in context: StepContext) async throws -> StepRun {
        guard let template = self.undo else {
            return StepRun(outcome: .failed, failure: "the playbook's step has no 'undo:' any more; reverse it by hand")
        }
        var command = try command(in: context)
        let script = try context.render(template)
        command.script = script.text
        command.stdin = []
        command.sensitive = command.sensitive || script.containsSecrets
        let result = try await context.run(command)
        return StepRun(
            outcome: result.succeeded ? .changed : .failed, command: result,
            failure: result.succeeded ? nil : "the undo command \(CommandFailure.describe(result, masker: context.masker))")
    }

    /// Each way the output falls short of `expect`, as `stdout: expected …, got …`.
    private func outputProblems(_ command: CommandResult, in context: StepContext) throws(StepError) -> [String] {
        var problems: [String] = []
        for (stream, text, contains, matches) in [
            ("stdout", command.stdoutText, expectOutput.stdoutContains, expectOutput.stdoutMatches),
            ("stderr", command.stderrText, expectOutput.stderrContains, expectOutput.stderrMatches),
        ] {
            let shown = "'\(HTTPCheck.Expectation.excerpt(context.masker.mask(text.trimmingTrailingNewlines), limit: 200))'"
            for template in contains {
                let expected = try context.render(template)
                if !text.contains(expected.text) { problems.append("\(stream): expected to contain '\(expected.masked)', got \(shown)") }
            }
            for pattern in matches {
                let regex = try? NSRegularExpression(pattern: pattern)
                if regex?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                    problems.append("\(stream): expected ~ \(pattern), got \(shown)")
                }
            }
        }
        return problems
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

    /// Shell steps with stdin need a command of their own, and so do those whose output is
    /// judged (with the step's context, which a batch does not give) and those that note
    /// their undo in the journal.
    public var batchable: Bool { stdin == nil && expectOutput.isEmpty && undo == nil }

    public func result(of command: CommandResult, masker: SecretMasker) -> StepRun {
        let expected = command.exitStatus.map { expectExit.contains(Int($0)) } ?? false
        return StepRun(
            outcome: expected ? (readOnly ? .ok : .changed) : .failed,
            command: command,
            fields: StepRun.commandFields(command),
            failure: expected ? nil : CommandFailure.describe(command, expected: expectExit, masker: masker))
    }

    public var expectedExitCodes: [Int] { expectExit }
}
