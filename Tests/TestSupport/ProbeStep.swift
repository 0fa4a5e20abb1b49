public import RolloutKit

/// A step kind for the engine's in-process tests. It appends what it does to a log file on the
/// host (`run a h1`, `undo a h1`, `check a h1`), so a test reads the order of runs and undos
/// across hosts; its options choose how it ends.
///
/// `probe: { id: a, log: /tmp/…/log, fail_on: h2, undo_fails: true, undo_last: true }`
public struct ProbeStep: Step {
    public static let kind = "probe"
    public static let mainOption: String? = "id"
    public static let resultFields = RegisteredResult.commonFields + ["state"]
    public static let options: [OptionSpec] = [
        OptionSpec("id", .text, required: true, "Names the probe in the log."),
        OptionSpec("log", .text, required: true, "The file runs, undos and checks are appended to."),
        OptionSpec("fail_on", .text, "Hosts (space-separated) on which it fails."),
        OptionSpec("undo_fails", .flag, "Its undo fails."),
        OptionSpec("undo_last", .flag, "Its undo runs after every other undo of its host."),
        OptionSpec("read_only", .flag, "It only checks; it runs again after a rollback."),
        OptionSpec("undo_recorded_late", .flag, "It records its undo after its change."),
        OptionSpec("fail_if", .text, "It fails on a host where this file exists."),
        OptionSpec("expect_state", .text, "Read only: it fails unless the release its host is at (`<log>.<host>.state`) is this."),
        OptionSpec("from_runner", .flag, "It acts as a callback does: from the runner, not through a recorded command, and must not act twice."),
    ]

    public var id: Template
    public var log: Template
    /// Hosts on which the step fails (a host name, or several separated by spaces).
    public var failOn: Template?
    public var undoFails: Bool
    public var undoLast: Bool
    public var readOnly: Bool
    /// The step records its undo after its change instead of before: a step cut off between
    /// the two may have changed the host without the journal saying so.
    public var undoRecordedLate: Bool
    /// The step fails on a host where this file exists (checked when it runs).
    public var failIf: Template?
    /// A read-only probe's expectation of the release its host is at: a mutating probe moves
    /// the host to `new` (registering `state: new`) and its undo back to `old`.
    public var expectState: Template?
    /// It stands for a step that acts from the runner and must not act twice (a callback).
    public var fromRunner: Bool

    public init?(options: OptionReader, context: StepDecodingContext) {
        let id = options.template("id", required: true)
        let log = options.template("log", required: true)
        failOn = options.template("fail_on")
        undoFails = options.bool("undo_fails") ?? false
        undoLast = options.bool("undo_last") ?? false
        readOnly = options.bool("read_only") ?? false
        undoRecordedLate = options.bool("undo_recorded_late") ?? false
        failIf = options.template("fail_if")
        expectState = options.template("expect_state")
        fromRunner = options.bool("from_runner") ?? false
        guard let id, let log else { return nil }
        self.id = id
        self.log = log
    }

    public var mutates: Bool { !readOnly }
    public var summary: String { "probe \(id.source)" }
}

extension ProbeStep: RunnableStep {
    /// What a probe records before it changes anything: its id.
    public struct Undo: UndoRecord {
        var probe: String?

        public var preview: UndoPreview { UndoPreview(putsBack: "what probe \(probe ?? "?") ran over") }
    }

    public var recordsUndoFirst: Bool { !undoRecordedLate && !fromRunner }
    public var undoesLast: Bool { undoLast }
    public var runsAgainAfterRollback: Bool { readOnly }
    public var journalsItself: Bool { !readOnly && !fromRunner }
    public var safeToRunAgain: Bool { readOnly && !fromRunner }

    public func registeredAfterUndo(_ fields: [String: String]) -> [String: String] {
        fields.merging(["state": "old"]) { $1 }
    }

    private func stateFile(in context: StepContext) throws(StepError) -> String {
        "'\(try context.render(log).text).\(context.host.name).state'"
    }

    private func fails(in context: StepContext) throws(StepError) -> Bool {
        guard let failOn else { return false }
        return try context.render(failOn).text.split(separator: " ").contains { $0 == context.host.name }
    }

    /// A line appended to the log: what happened, to which probe, on which host.
    private func append(_ word: String, id: String, in context: StepContext) throws(StepError) -> String {
        let path = try context.render(log).text
        let line = "printf '%s %s %s\\n' \(word) \(id) \(context.host.name) >> '\(path)'"
        guard let failIf else { return line }
        return line + "\n[ -e '\(try context.render(failIf).text)' ] && exit 1\ntrue"
    }

    /// Under `--check` a probe failing on this host rejects its plan, as a step refusing a
    /// value does.
    public func plan(in context: StepContext) async throws -> StepPlan {
        if try fails(in: context) {
            throw StepError(host: context.host.name, step: summary, message: "probe \(try context.render(id).text) rejects its value")
        }
        return StepPlan([summary], changes: readOnly ? .none : .maybe)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let failing = try fails(in: context)
        let id = try context.render(self.id).text
        if fromRunner {
            let result = try await context.run(RemoteCommand(try append("send", id: id, in: context) + (failing ? "\nexit 1" : "")))
            return StepRun(outcome: result.succeeded ? .ok : .failed, command: result, failure: result.succeeded ? nil : "probe \(id) failed")
        }
        if readOnly {
            var script = try append("check", id: id, in: context) + (failing ? "\nexit 1" : "")
            if let expectState {
                script +=
                    "\n[ \"$(cat \(try stateFile(in: context)) 2>/dev/null || echo old)\" = '\(try context.render(expectState).text)' ] || exit 1"
            }
            let result = try await context.run(RemoteCommand(script))
            return StepRun(outcome: result.succeeded ? .ok : .failed, command: result, failure: result.succeeded ? nil : "probe \(id) failed")
        }
        let record = "rollout_undo probe '\(id)' || exit 1"
        let change = try append("run", id: id, in: context) + "\necho new > \(try stateFile(in: context))"
        let script = (undoRecordedLate ? [change, record] : [record, change]).joined(separator: "\n") + (failing ? "\nexit 1" : "")
        let result = try await context.runRecorded(RemoteCommand(script))
        return StepRun(
            outcome: result.succeeded ? .changed : .failed, command: result, fields: ["state": "new"],
            failure: result.succeeded ? nil : "probe \(id) failed", undo: Undo(probe: id).fields)
    }

    public func undo(_ undo: Undo, in context: StepContext) async throws -> StepRun {
        // The id the run recorded, not the playbook's now: an undo works from the record.
        let id = undo.probe ?? "?"
        let undone = undoFails ? "\nexit 1" : "\necho old > \(try stateFile(in: context))"
        let result = try await context.run(RemoteCommand(try append("undo", id: id, in: context) + undone))
        return StepRun(
            outcome: result.succeeded ? .changed : .failed, command: result, failure: result.succeeded ? nil : "undo of probe \(id) failed")
    }
}
