/// Runs a shell command on the host. `shell: make build`, or with options:
/// `shell: { run: …, cwd: …, env: {…}, expect_exit: [0, 1], stdin: …, read_only: true }`.
/// No undo: the plan says so.
public struct ShellStep: Step {
    public static let kind = "shell"
    public static let mainOption: String? = "run"
    public static let optionKeys = ["run", "cwd", "env", "expect_exit", "stdin", "read_only"]

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
