/// Everything a step needs while it plans, runs or undoes itself on one host.
public struct StepContext: Sendable {
    /// Runs a command wrapped with the run journal's bookkeeping (see `runRecorded`).
    public typealias RecordedRunner = @Sendable (RemoteCommand) async throws -> CommandResult

    public var host: Host
    public var transport: any Transport
    /// Names templates can use on this host, with the results registered so far.
    public var scope: Scope
    /// The step's position in its list (steps or rollback), and its name.
    public var stepIndex: Int
    public var stepName: String
    public var runID: RunID
    /// The host's state directory (`~/.rollout/<playbook>`), rendered.
    public var stateDirectory: String
    /// The step's `timeout:`, applied to each command it runs.
    public var timeout: Duration?
    /// Masks every secret of the run; apply it to anything shown or stored.
    public var masker: SecretMasker
    /// Receives the output of commands as it arrives (for `--verbose`).
    public var output: (@Sendable (OutputChunk) -> Void)?
    /// For steps that talk HTTP from this machine (`wait_for`, `check`, `callback`).
    public var http: HTTPClient
    /// Undo keeps a copy of what it overwrites. True when undoing an earlier run
    /// (`rollout rollback`), where the host may have changed since; an undo within the run only
    /// overwrites what the run itself just wrote.
    public var keepsSafetyCopies = false
    /// The steps this run finished on this host before this one (ok or changed), oldest first;
    /// under `rollout rollback`, those the run's record lists.
    public var finishedSteps: [FinishedStep] = []
    /// What the step reads the time from and waits on (polling, retry delays).
    public var clock: any RunClock = SystemClock()
    /// The file names of the undo sources (dumps, copies) that runs recorded on this host may
    /// still restore from: what `keep:` must not prune. Read from the host when asked.
    public var undoSourcesInUse: @Sendable () async throws -> Set<String> = { [] }
    let recorded: RecordedRunner

    public init(
        host: Host, transport: any Transport, scope: Scope, stepIndex: Int, stepName: String, runID: RunID,
        stateDirectory: String, timeout: Duration?, masker: SecretMasker,
        output: (@Sendable (OutputChunk) -> Void)?, http: HTTPClient, recorded: @escaping RecordedRunner
    ) {
        self.host = host
        self.transport = transport
        self.scope = scope
        self.stepIndex = stepIndex
        self.stepName = stepName
        self.runID = runID
        self.stateDirectory = stateDirectory
        self.timeout = timeout
        self.masker = masker
        self.output = output
        self.http = http
        self.recorded = recorded
    }

    /// `template` rendered on this host; an error names the step and the reference.
    public func render(_ template: Template) throws(StepError) -> RenderedText {
        do {
            return try template.render(in: scope)
        } catch {
            throw failure(error.message, hint: error.suggestion.map { "did you mean '\($0)'?" })
        }
    }

    /// Runs a command that only reads (no journal entry, no undo). Its output is the step's
    /// own business (a file's contents, say) and is not echoed by `--verbose`.
    public func run(_ command: RemoteCommand) async throws -> CommandResult {
        var command = command
        if command.timeout == nil { command.timeout = timeout }
        return try await transport.run(command, output: nil)
    }

    /// Runs the command that changes the host, in one round trip with the run journal's
    /// bookkeeping: the step's start, the lease renewal, and the step's end are written by the
    /// same shell. Inside the script, `rollout_undo KEY VALUE` records undo data before the
    /// change is made. A step calls this at most once.
    public func runRecorded(_ command: RemoteCommand) async throws -> CommandResult {
        var command = command
        if command.timeout == nil { command.timeout = timeout }
        return try await recorded(command)
    }

    /// Where this step keeps a copy of something it is about to change: under the host's state
    /// directory, named after the run and the step so that rollback finds it.
    public func backupPath(_ directory: String, name: String) -> String {
        let base = stateDirectory.hasSuffix("/") ? stateDirectory : stateDirectory + "/"
        return base + directory + "/" + runID.rawValue + "-" + String(stepIndex + 1) + "-" + name
    }

    /// A `StepError` for this step on this host.
    public func failure(_ message: String, hint: String? = nil) -> StepError {
        StepError(host: host.name, step: stepName, message: masker.mask(message), hint: hint)
    }
}
