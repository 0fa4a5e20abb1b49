import Foundation

/// One host's part of a run: its connection, the results its steps registered, the journal
/// events not yet written to it, and the steps that changed it (what the rollback undoes).
///
/// An actor, so that the host's steps, undos and bookkeeping happen one at a time whatever
/// the runner does with other hosts.
actor HostRun {
    /// A step that changed the host, with what its undo needs.
    struct Change: Sendable {
        var definition: StepDefinition
        var info: StepInfo
        var undo: [String: String]
    }

    let host: Host
    let transport: any Transport
    let runID: RunID
    let stateDirectory: String
    let journal: RunJournal
    let lock: DeployLock
    private let baseScope: Scope
    private let masker: SecretMasker
    private let events: RunEvents
    private let checkMode: Bool
    private let output: (@Sendable (OutputChunk) -> Void)?
    private let http = HTTPClient()

    private var registered: [String: RegisteredResult] = [:]
    /// Steps that ended ok or changed here, oldest first (what `StepContext.finishedSteps` shows).
    private var finished: [FinishedStep] = []
    /// Events that ride along with the next command sent to the host.
    private var pending: [JournalEvent] = []
    /// Every event of this run on this host, for the local copy of the record.
    private(set) var journalled: [JournalEvent] = []
    private(set) var changes: [Change] = []
    private(set) var failed = false
    private(set) var holdsLock = false
    /// Steps whose end was never seen because the connection dropped, until `undoChanges`
    /// settles them from the host's journal.
    private var unknown: [(definition: StepDefinition, info: StepInfo)] = []
    /// Steps that may have changed the host and could not be undone: their outcome is unknown
    /// and the journal holds no undo for them.
    private(set) var unknownSteps: [StepInfo] = []
    /// When the lease was last renewed; renewals ride along with step commands once a quarter
    /// of the lease has passed, so most steps carry none.
    private var leaseRenewedAt = ContinuousClock.now
    /// Set by `adopt`: undos then keep a copy of what they overwrite.
    private var undoingEarlierRun = false

    /// How long a lease lasts without renewal; every recorded command renews it.
    static let lease: Duration = .seconds(600)

    init(
        host: Host, transport: any Transport, runID: RunID, stateDirectory: String, scope: Scope,
        masker: SecretMasker, events: RunEvents, checkMode: Bool, output: (@Sendable (OutputChunk) -> Void)?
    ) {
        self.host = host
        self.transport = transport
        self.runID = runID
        self.stateDirectory = stateDirectory
        self.journal = RunJournal(stateDirectory: stateDirectory, runID: runID)
        self.lock = DeployLock(stateDirectory: stateDirectory)
        self.baseScope = scope
        self.masker = masker
        self.events = events
        self.checkMode = checkMode
        self.output = output
    }

    /// Takes the deploy lock; the run's header rides along with the first step.
    func acquireLock(owner: String, header: RunHeader, playbook: String, environment: String, wait: LockWaitPolicy) async throws {
        try await lock.acquire(
            on: transport, owner: owner, runID: runID, host: host.name, lease: Self.lease,
            playbook: playbook, environment: environment, wait: wait)
        holdsLock = true
        leaseRenewedAt = .now
        queue(.runStarted(header))
    }

    /// Runs one step here, with its `when`, retries and timeout, and reports it.
    func execute(_ definition: StepDefinition, index: Int, info: StepInfo) async -> StepRun {
        var scope = baseScope
        scope.registered = registered
        let started = Date()
        let clock = ContinuousClock()
        let start = clock.now
        if let condition = definition.when {
            do {
                if try !condition.evaluate(in: scope) {
                    let run = StepRun(outcome: .skipped)
                    finish(definition, index: index, info: info, run: run, started: started, duration: .zero, recorded: false)
                    return run
                }
            } catch {
                let run = StepRun(outcome: .failed, failure: "when: \(error.message)")
                finish(definition, index: index, info: info, run: run, started: started, duration: .zero, recorded: false)
                return run
            }
        }
        events.send(.stepStarted(host: host.name, step: info))
        let step = definition.step
        let recorder = Recorder()
        var run = StepRun(outcome: .failed)
        for attempt in 0...definition.retries {
            if attempt > 0 { try? await Task.sleep(for: definition.delay) }
            let context = self.context(for: definition, index: index, scope: scope, recorder: recorder)
            run = await outcome {
                try await checkMode ? Self.planned(step, registeredAs: definition.register, in: context) : step.run(in: context)
            }
            if run.outcome != .failed { break }
        }
        if run.outcome == .unknown { unknown.append((definition, info)) }
        let duration = start.duration(to: clock.now)
        finish(definition, index: index, info: info, run: run, started: started, duration: duration, recorded: recorder.used)
        return run
    }

    /// The step's `preflight` on this host: nil when it found nothing in the way, else the
    /// message that stops the run.
    func preflight(_ definition: StepDefinition, index: Int) async -> String? {
        // A step its `when:` already rules out is not in the way (one that depends on earlier
        // results cannot be decided yet, and is checked).
        if let condition = definition.when, (try? condition.evaluate(in: baseScope)) == false { return nil }
        let context = self.context(for: definition, index: index, scope: baseScope, recorder: Recorder())
        do {
            try await definition.step.preflight(in: context)
            return nil
        } catch {
            return masker.mask("\(error)")
        }
    }

    /// Runs consecutive one-command steps in one round trip (see `StepBatch`). Returns each
    /// step's result by position; nil for the steps after a failure, which did not run.
    /// Falls back to one command per step when a step cannot render its command.
    func executeBatch(_ steps: [(definition: StepDefinition, index: Int, info: StepInfo)]) async -> [StepRun?] {
        var scope = baseScope
        scope.registered = registered
        var members: [StepBatch.Member] = []
        for (definition, index, _) in steps {
            guard let step = definition.step as? any BatchableStep,
                  let command = try? step.command(in: context(for: definition, index: index, scope: scope, recorder: Recorder()))
            else {
                var results: [StepRun?] = []
                for (definition, index, info) in steps { results.append(await execute(definition, index: index, info: info)) }
                return results
            }
            members.append(StepBatch.Member(
                index: index, name: definition.name, kind: definition.kind, command: command,
                expectedExitCodes: step.expectedExitCodes, continueOnFailure: definition.ignoreFailure))
        }
        let batch = StepBatch(members: members)
        for (_, _, info) in steps { events.send(.stepStarted(host: host.name, step: info)) }
        let started = Date()
        let renew = leaseRenewedAt.duration(to: .now) > Self.lease / 4
        let script = batch.script(
            journal: journal, pending: pending,
            prologue: renew ? lock.renewScript(runID: runID, lease: Self.lease) : nil, startedAt: started)
        let sent = pending
        pending.removeAll()
        let outcome: Result<CommandResult, any Error>
        do {
            outcome = .success(try await transport.run(RemoteCommand(script, sensitive: batch.sensitive), output: nil))
            if renew { leaseRenewedAt = .now }
            journalled += sent
        } catch {
            pending = sent + pending
            // Name the steps, not the batch script around them.
            let what = "the \(members.count) steps from '\(members[0].command.summary)' sent as one batch"
            switch error {
            case TransportError.connectionLost(let endpoint, _, let reason):
                outcome = .failure(TransportError.connectionLost(endpoint: endpoint, command: what, reason: reason))
            case TransportError.timedOut(let endpoint, _, let after):
                outcome = .failure(TransportError.timedOut(endpoint: endpoint, command: what, after: after))
            default:
                outcome = .failure(error)
            }
        }
        var results: [StepRun?] = []
        var stopped = false
        for (definition, index, info) in steps {
            guard !stopped else { results.append(nil); continue }
            let run: StepRun
            switch outcome {
            case .failure(let error as TransportError) where error.outcomeUnknown:
                run = StepRun(outcome: .unknown, failure: "\(error)")
                unknown.append((definition, info))
                stopped = true
            case .failure(let error):
                run = StepRun(outcome: .failed, failure: "\(error)")
                stopped = true
            case .success(let result):
                guard let own = batch.results(from: result)[index],
                      let step = definition.step as? any BatchableStep
                else {
                    if result.exitStatus != 0 {
                        run = StepRun(outcome: .failed, command: result, failure: CommandFailure.describe(result))
                        stopped = true
                        break
                    }
                    results.append(nil)
                    stopped = true
                    continue
                }
                run = step.result(of: own)
                if run.outcome == .failed, !definition.ignoreFailure { stopped = true }
            }
            journalled.append(.stepStarted(index: index, name: definition.name, kind: definition.kind, at: started))
            journalled.append(.stepEnded(index: index, exitCode: run.command?.exitStatus, at: Date()))
            finish(definition, index: index, info: info, run: run, started: started,
                   duration: run.command?.duration ?? .zero, recorded: true)
            results.append(run)
        }
        return results
    }

    /// Undoes every change of this run on this host, newest first; returns those that could
    /// not be undone.
    func undoChanges() async -> (undone: [StepInfo], failed: [StepInfo]) {
        await settleUnknownSteps()
        var undone: [StepInfo] = []
        var notUndone: [StepInfo] = []
        // Newest first, except undos that must see every other undo done (restarts) go last.
        let newestFirst = Array(changes.reversed())
        let undoesLast = { (change: Change) in change.definition.step.undoesLast }
        for change in newestFirst.filter({ !undoesLast($0) }) + newestFirst.filter(undoesLast) {
            events.send(.undoStarted(host: host.name, step: change.info))
            let clock = ContinuousClock()
            let start = clock.now
            var scope = baseScope
            scope.registered = registered
            var context = self.context(for: change.definition, index: change.info.index, scope: scope, recorder: Recorder())
            context.keepsSafetyCopies = undoingEarlierRun
            let step = change.definition.step
            let run = await outcome { try await step.undo(change.undo, in: context) }
            let succeeded = run.outcome != .failed
            events.send(.undoFinished(
                host: host.name, step: change.info, succeeded: succeeded, duration: start.duration(to: clock.now),
                outputTail: tail(of: run)))
            if succeeded { undone.append(change.info) } else { notUndone.append(change.info) }
        }
        changes.removeAll()
        return (undone, notUndone)
    }

    /// A step cut off by a dropped connection may have recorded its undo before the drop: the
    /// journal on the host (read over a new connection) says. A step with an undo joins the
    /// changes to undo; a mutating step of an undoable kind without one changed nothing (undo
    /// data is written first); anything else stays unknown for a human to look at.
    private func settleUnknownSteps() async {
        guard !unknown.isEmpty else { return }
        let record: RunRecord?
        if let result = try? await transport.run(RemoteCommand(journal.readScript), output: nil), result.succeeded {
            record = try? RunRecord.replay(journalLines: result.stdoutText.split(separator: "\n"))
        } else {
            record = nil
        }
        for (definition, info) in unknown {
            if let undo = record?.step(info.index)?.undo, !undo.isEmpty {
                changes.append(Change(definition: definition, info: info, undo: undo))
            } else if record == nil || !definition.step.recordsUndoFirst {
                unknownSteps.append(info)
            }
        }
        unknown.removeAll()
        changes.sort { $0.info.index < $1.info.index }
    }

    /// Writes the run's end to the journal and releases the lock, in one command. Returns
    /// false when the lock could not be released.
    func finish(status: RunStatus) async -> Bool {
        queue(.runFinished(status: status, at: Date()))
        guard !checkMode else { return true }
        let script = journal.append(pending) + "\n" + (holdsLock ? lock.releaseScript(runID: runID.rawValue) : "")
        pending.removeAll()
        do {
            let result = try await transport.run(RemoteCommand(script), output: nil)
            if result.succeeded { holdsLock = false }
            return result.succeeded
        } catch {
            return !holdsLock
        }
    }

    /// Releases the lock taken by `acquireLock` when the run does not go ahead.
    func abandon() async {
        guard holdsLock else { return }
        if (try? await lock.release(
            on: transport, runID: runID.rawValue, host: host.name, playbook: "", environment: "")) != nil {
            holdsLock = false
        }
    }

    /// Takes over the changes an earlier run recorded, for `rollout rollback`.
    func adopt(_ recorded: [Change], finished: [FinishedStep]) {
        changes = recorded
        self.finished = finished
        undoingEarlierRun = true
    }

    /// Appends `events` to the journal of another run on this host (marking it rolled back).
    func append(_ events: [JournalEvent], toJournalOf other: RunID) async throws {
        let script = RunJournal(stateDirectory: stateDirectory, runID: other).append(events)
        let result = try await transport.run(RemoteCommand(script), output: nil)
        guard result.succeeded else {
            throw StepError(host: host.name, step: "run journal", message: "cannot write \(RunJournal(stateDirectory: stateDirectory, runID: other).path): \(CommandFailure.describe(result))")
        }
    }

    /// The runs recorded on this host, oldest first.
    func recordedRuns() async throws -> [RunRecord] {
        let result = try await transport.run(RemoteCommand(RunHistory.readScript(stateDirectory: stateDirectory)), output: nil)
        return RunHistory.records(fromOutput: result.stdoutText).records
    }

    /// The local copy of this host's record.
    func record() -> RunRecord? {
        try? RunRecord.replay(journalLines: journalled.map(\.jsonLine))
    }

    // MARK: - Steps

    private func context(for definition: StepDefinition, index: Int, scope: Scope, recorder: Recorder) -> StepContext {
        var context = StepContext(
            host: host, transport: transport, scope: scope, stepIndex: index, stepName: definition.name, runID: runID,
            stateDirectory: stateDirectory, timeout: definition.timeout, masker: masker, output: output, http: http,
            recorded: { [self] command in
                try await self.runRecorded(command, index: index, definition: definition, recorder: recorder)
            })
        context.finishedSteps = finished.filter { $0.index < index }
        return context
    }

    /// Sends `command` wrapped with the journal: pending events, the lease renewal, the step's
    /// start and end, all in the one round trip the step costs anyway. `recorder` notes that the
    /// step's start and end reached the journal; when the command throws (a timeout) they did
    /// not, and `finish` records them instead, so that the run's record and summary list the step.
    private func runRecorded(
        _ command: RemoteCommand, index: Int, definition: StepDefinition, recorder: Recorder
    ) async throws -> CommandResult {
        if checkMode { return try await transport.run(command, output: output) }
        var wrapped = command
        let renew = leaseRenewedAt.duration(to: .now) > Self.lease / 4
        wrapped.script = journal.wrap(
            stepIndex: index, name: definition.name, kind: definition.kind, userScript: command.script,
            pending: pending, prologue: renew ? lock.renewScript(runID: runID, lease: Self.lease) : nil)
        if renew { leaseRenewedAt = .now }
        let sent = pending
        pending.removeAll()
        let startedAt = Date()
        let result: CommandResult
        do {
            result = try await transport.run(wrapped, output: output)
        } catch TransportError.timedOut(let endpoint, _, let after) {
            pending = sent + pending
            // Name the step's own command, not the journal wrapper around it.
            throw TransportError.timedOut(endpoint: endpoint, command: command.summary, after: after)
        } catch TransportError.connectionLost(let endpoint, _, let reason) {
            pending = sent + pending
            throw TransportError.connectionLost(endpoint: endpoint, command: command.summary, reason: reason)
        } catch {
            pending = sent + pending
            throw error
        }
        journalled += sent
        journalled.append(.stepStarted(index: index, name: definition.name, kind: definition.kind, at: startedAt))
        journalled.append(.stepEnded(index: index, exitCode: result.exitStatus, at: Date()))
        recorder.used = true
        if result.exitStatus == DeployLock.heldExitCode, result.stderrText.contains("no longer holds the deploy lock") {
            throw StepError(host: host.name, step: definition.name, message: "the deploy lock was taken away while the run held it",
                            hint: "someone ran rollout unlock; check the host before deploying again")
        }
        if result.exitStatus == RunJournal.unwritableExitCode, result.stderrText.contains("cannot write the run journal") {
            throw StepError(host: host.name, step: definition.name, message: "cannot write the run journal \(journal.path)",
                            hint: "check that the login user can write to \(stateDirectory) and that the disk is not full")
        }
        return result
    }

    private func finish(
        _ definition: StepDefinition, index: Int, info: StepInfo, run: StepRun, started: Date, duration: Duration, recorded: Bool
    ) {
        if !recorded, !checkMode {
            queue(.stepStarted(index: index, name: definition.name, kind: definition.kind, at: started))
            queue(.stepEnded(index: index, exitCode: run.command?.exitStatus, at: Date()))
        }
        let outputTail = tail(of: run)
        let outcome = run.outcome
        queue(.stepResult(index: index, outcome: outcome, outputTail: outputTail, at: Date()))
        if let undo = run.undo, !checkMode, outcome != .ok, outcome != .skipped {
            changes.append(Change(definition: definition, info: info, undo: undo))
        }
        if outcome == .ok || outcome == .changed {
            finished.append(FinishedStep(index: index, name: definition.name, step: definition.step, outcome: outcome, fields: run.fields))
        }
        if let name = definition.register, outcome != .skipped {
            registered[name] = RegisteredResult(fields: run.fields)
        }
        if outcome == .failed || outcome == .unknown, !definition.ignoreFailure { failed = true }
        events.send(.stepFinished(host: host.name, step: info, outcome: outcome, duration: duration, outputTail: outputTail))
        if checkMode, outcome != .failed, let plan = run.fields["stdout"], !plan.isEmpty {
            events.send(.notice(plan.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")))
        }
    }

    private func queue(_ event: JournalEvent) {
        if !checkMode { pending.append(event) }
        journalled.append(event)
    }

    /// The last lines of what the step printed and why it failed, masked.
    private func tail(of run: StepRun, lines: Int = 20) -> String {
        var text = ""
        if let command = run.command {
            text = command.stdoutText + (command.stderr.isEmpty ? "" : command.stderrText)
        }
        if let failure = run.failure { text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + failure }
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        return masker.mask(kept.trimmingTrailingNewlines)
    }

    // MARK: - Errors

    /// Runs one attempt of a step (or an undo), turning what it throws into a failed (or unknown) run.
    private func outcome(of body: () async throws -> StepRun) async -> StepRun {
        do {
            return try await body()
        } catch let error as StepError {
            return StepRun(outcome: .failed, failure: error.message + (error.hint.map { " — \($0)" } ?? ""))
        } catch let error as TransportError where error.outcomeUnknown {
            return StepRun(outcome: .unknown, failure: "\(error)")
        } catch {
            return StepRun(outcome: .failed, failure: "\(error)")
        }
    }

    /// Under `--check`, a step is planned: its lines become its output.
    /// What a step would do, as a result. Its registered fields are the plan's text for
    /// `stdout` and `<name.field>` for the rest (a commit, a dump's path), which only the run
    /// knows: later steps that use them still plan, and show where they go.
    private static func planned(_ step: any RunnableStep, registeredAs name: String?, in context: StepContext) async throws -> StepRun {
        let plan = try await step.plan(in: context)
        let outcome: StepOutcome = plan.changes == .none ? .ok : .changed
        let text = plan.lines.joined(separator: "\n")
        var fields = ["stdout": text]
        if let name {
            for field in type(of: step).resultFields where field != "stdout" { fields[field] = "<\(name).\(field)>" }
        }
        return StepRun(outcome: outcome, command: CommandResult(exitStatus: 0, stdout: Array(text.utf8)), fields: fields)
    }
}

/// Notes whether the journal holds the start and end of a step's recorded command.
private final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false

    var used: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}
