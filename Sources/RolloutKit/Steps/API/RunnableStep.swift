/// A step kind as the engine runs it: how it plans, runs and undoes itself.
///
/// `Step` is what `rollout lint` reads; every kind also conforms here, in its own file, and
/// `StepRegistry` only takes kinds that do, so a playbook that lints can run.
public protocol RunnableStep: Step {
    /// What the kind saves before it changes the host, for its undo: a type in the kind's own
    /// file. Default `NoUndo`.
    associatedtype Undo: UndoRecord = NoUndo

    /// What the step would do on the host, reading its current state but changing nothing
    /// (`rollout plan`, `rollout run --check`).
    func plan(in context: StepContext) async throws -> StepPlan

    /// Does the step's work. A mutating step records its undo data on the host (through
    /// `context.runRecorded`, in the same command that changes the host) before it changes
    /// anything, and returns the same data in `StepRun.undo`.
    func run(in context: StepContext) async throws -> StepRun

    /// Checks, before the run takes any step that changes a host, what would make this step
    /// fail later for want of something the host lacks now (a dump directory without room), so
    /// the run stops while nothing has changed. It reads and changes nothing else; a step
    /// whose options depend on earlier steps' results cannot check yet and returns. Default:
    /// nothing to check.
    func preflight(in context: StepContext) async throws

    /// Restores what `run` changed, from the record it saved.
    func undo(_ record: Undo, in context: StepContext) async throws -> StepRun

    /// Reads the host, changing nothing, and says what undoing now would lose that the run did
    /// not write itself (a payment a database received since the deploy, which restoring its
    /// dump would delete); nil when nothing. The engine asks every change of a host before it
    /// undoes any, and undoes none while one objects, unless the user said `--force`.
    /// Default nil.
    func undoObjection(_ record: Undo, in context: StepContext) async throws -> String?

    /// True when the step writes its undo data to the journal before it changes anything, so
    /// that a journal without it proves the step changed nothing (a step cut off by a dropped
    /// connection is then settled, not left unknown).
    var recordsUndoFirst: Bool { get }

    /// True for a read-only step that shows the deployment works (`wait_for`, `check`): after
    /// a rollback the runner runs it again on the restored state. Default: when it does not
    /// mutate. A backup or an assertion about the deploy's own data says nothing about that.
    var runsAgainAfterRollback: Bool { get }

    /// True when the step's undo must run after every other undo on its host: a restart must
    /// start the process on the files and code the other undos put back.
    var undoesLast: Bool { get }

    /// The fields the step registered, as they describe the host once its change is undone:
    /// checks run again after a rollback are judged against the restored release, so a
    /// `{{ git.commit }}` they expect is the commit put back. Default: unchanged.
    func registeredAfterUndo(_ fields: [String: String]) -> [String: String]
    /// True when running the step again after it may already have run leaves the host as one
    /// run would (an `.env` set to the same values, a checkout of the same ref, a read): a step
    /// that was in flight when a run stopped is then run again by `run --resume`. Default: when
    /// it does not mutate.
    var safeToRunAgain: Bool { get }

    /// True when the step's work goes through `StepContext.runRecorded`, whose command journals
    /// the step's start and end on the host. A step that acts from the runner (an `http`
    /// request, a `callback`) does not: when it is not `safeToRunAgain`, the engine journals its
    /// start before it acts and its end right after, so that a runner killed meanwhile leaves a
    /// record `run --resume` reads right. Default: when it mutates (the host).
    var journalsItself: Bool { get }

    /// How the step ended, judged from its command's exit code alone, for a step whose command
    /// ended on the host while the engine's verdict was lost with the runner (`run --resume`).
    /// Nil when the exit code is not enough to judge (the step checks more than its command).
    /// Default nil.
    func outcome(ofEndedCommand exitCode: Int32) -> StepOutcome?

    /// True when the step needs the results of earlier steps of the run beyond what the run
    /// record keeps (a migration restoring from the dump path a `backup_database` registered):
    /// `run --resume` cannot continue at or before it once one of those steps finished before
    /// the stop. Default false.
    var needsEarlierResults: Bool { get }
}

extension RunnableStep {
    public var recordsUndoFirst: Bool { false }

    public var runsAgainAfterRollback: Bool { !mutates }
    public var undoesLast: Bool { false }
    public func registeredAfterUndo(_ fields: [String: String]) -> [String: String] { fields }
    public var safeToRunAgain: Bool { !mutates }
    public var journalsItself: Bool { mutates }
    public func outcome(ofEndedCommand exitCode: Int32) -> StepOutcome? { nil }
    public var needsEarlierResults: Bool { false }

    public func plan(in context: StepContext) async throws -> StepPlan {
        StepPlan([summary], changes: mutates ? .maybe : .none)
    }

    public func preflight(in context: StepContext) async throws {}

    public func undoObjection(_ record: Undo, in context: StepContext) async throws -> String? { nil }

    /// The kind's record, read from the text pairs a run journal holds.
    public static func undoRecord(recorded fields: [String: String]) throws(UndoRecordError) -> any UndoRecord {
        try Undo(fields: fields)
    }

    /// Undoes the step from the text pairs a run journal holds; a record that does not read as
    /// this kind's is a failed undo that says so.
    public func undo(recorded fields: [String: String], in context: StepContext) async throws -> StepRun {
        let record: Undo
        do {
            record = try Undo(fields: fields)
        } catch {
            return StepRun(outcome: .failed, failure: "\(error)")
        }
        return try await undo(record, in: context)
    }

    /// `undoObjection` from the text pairs a run journal holds (nil when they do not read).
    public func undoObjection(recorded fields: [String: String], in context: StepContext) async throws -> String? {
        guard let record = try? Undo(fields: fields) else { return nil }
        return try await undoObjection(record, in: context)
    }
}

extension RunnableStep where Undo == NoUndo {
    public func undo(_ record: NoUndo, in context: StepContext) async throws -> StepRun {
        StepRun(outcome: .ok)
    }
}
