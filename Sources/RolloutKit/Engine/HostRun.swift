import Foundation
import Synchronization

/// One host's part of a run: its connection, the results its steps registered, the journal
/// events not yet written to it, and the steps that changed it (what the rollback undoes).
///
/// An actor, so that the host's steps, undos and bookkeeping happen one at a time whatever
/// the runner does with other hosts. Its jobs live in extensions: running steps (here), sending
/// commands with the journal around them (`HostRun+Journal`), batches (`HostRun+Batch`), and
/// undo (`HostRun+Undo`).
actor HostRun {
    /// A step that changed the host, with what its undo needs.
    struct Change: Sendable {
        var definition: StepDefinition
        var info: StepInfo
        var undo: [String: String]
        /// Cut off mid-way by a dropped connection in this run: its end, and what the step
        /// records there (a migration's write counters), never came.
        var cutOff = false
    }

    /// A step as the runner hands it to a host: where it stands in the playbook and how it is
    /// reported.
    struct Member: Sendable {
        var definition: StepDefinition
        var index: Int
        var info: StepInfo
    }

    let host: Host
    let transport: any Transport
    let runID: RunID
    let stateDirectory: String
    let journal: RunJournal
    let lock: DeployLock
    let baseScope: Scope
    let masker: SecretMasker
    let events: RunEvents
    let checkMode: Bool
    let output: (@Sendable (OutputChunk) -> Void)?
    let http = HTTPClient()
    let clock: any RunClock

    var registered: [String: RegisteredResult] = [:]
    /// Steps that ended ok or changed here, oldest first (what `StepContext.finishedSteps` shows).
    var finished: [FinishedStep] = []
    /// The highest index in `finished`: when below a step's own, the step sees `finished` as it
    /// is, shared rather than filtered (a copy per step made long playbooks quadratic).
    private var highestFinishedIndex = -1
    /// Events that ride along with the next command sent to the host.
    var pending: [JournalEvent] = []
    /// Every event of this run on this host, for the local copy of the record.
    var journalled: [JournalEvent] = []
    var changes: [Change] = []
    private(set) var failed = false
    var holdsLock = false
    /// Steps whose end was never seen because the connection dropped, until `undoChanges`
    /// settles them from the host's journal.
    var unknown: [Member] = []
    /// The command whose end was never seen (a dropped connection, a timeout, Ctrl-C): what is
    /// left of it is ended before anything is undone.
    var cutOffCommand: String?
    /// The journal whose process group file names that command: this run's, or under
    /// `rollout rollback` the undone run's.
    var cutOffJournal: RunJournal?
    /// Steps that may have changed the host and could not be undone: their outcome is unknown
    /// and the journal holds no undo for them.
    var unknownSteps: [StepInfo] = []
    var lease: LeaseKeeper
    /// The journal's shell functions with the lock's guards (see `RunJournal.library`), which
    /// every command that changes the host calls.
    let journalLibrary: ShellLibrary
    /// Set by `adopt`: undos then keep a copy of what they overwrite.
    var undoingEarlierRun = false
    /// Steps done before the run stopped, under `run --resume`: they do not run again.
    var done: Set<Int> = []
    /// Under `run --resume`, the undo that steps in flight at the stop recorded on their first
    /// attempt: the step runs again, and its undo stays the first one (the host as it was
    /// before the run), whatever the second attempt found.
    var earlierUndo: [Int: [String: String]] = [:]
    /// Set by `adopt` under `rollout rollback --force`: undo even what a step objects to (a
    /// database that received writes since the deploy).
    var forcesUndo = false
    /// Set by `undoChanges` when a change objected and nothing was undone.
    var refusedUndo = false
    /// Set by `markRollingBack` when the command a drop cut off could not be ended: why,
    /// for `undoChanges`, which then undoes nothing.
    var cutOffStillRunning: String?

    init(
        host: Host, transport: any Transport, runID: RunID, stateDirectory: String, scope: Scope,
        masker: SecretMasker, events: RunEvents, checkMode: Bool, output: (@Sendable (OutputChunk) -> Void)?,
        clock: any RunClock = SystemClock()
    ) {
        self.host = host
        self.transport = transport
        self.runID = runID
        self.stateDirectory = stateDirectory
        self.journal = RunJournal(stateDirectory: stateDirectory, runID: runID, host: host.name)
        self.lock = DeployLock(stateDirectory: stateDirectory)
        journalLibrary = journal.library(guardFunctions: lock.guardFunctions(runID: runID, lease: LeaseKeeper.lease, pid: getpid()))
        self.baseScope = scope
        self.masker = masker
        self.events = events
        self.checkMode = checkMode
        self.output = output
        self.clock = clock
        self.lease = LeaseKeeper(clock: clock)
    }

    /// Takes the deploy lock; the run's header rides along with the first step.
    /// With `takeOver` (`run --resume`), a lock the run itself still holds from before its stop
    /// becomes this process's.
    func acquireLock(
        owner: String, header: RunHeader, playbook: String, environment: String, wait: LockWaitPolicy, takeOver: Bool = false
    ) async throws {
        try await lock.acquire(
            on: transport, owner: owner, runID: runID, host: host.name, lease: LeaseKeeper.lease,
            playbook: playbook, environment: environment, wait: wait, clock: clock, takeOver: takeOver)
        holdsLock = true
        lease = LeaseKeeper(clock: clock)
        queue(.runStarted(header))
    }

    /// Runs consecutive steps here: one step on its own (with its `when`, retries and timeout),
    /// several as one batch. Returns each step's result by position; nil for the steps of a
    /// batch that did not run after a failure.
    func execute(_ members: [Member]) async -> [StepRun?] {
        guard members.count > 1 else { return [await execute(members[0])] }
        return await executeBatch(members)
    }

    /// Runs one step here, with its `when`, retries and timeout, and reports it.
    func execute(_ member: Member) async -> StepRun {
        let definition = member.definition
        let scope = currentScope
        let started = Date()
        let start = clock.now
        if let condition = definition.when {
            do {
                if try !condition.evaluate(in: scope) {
                    let run = StepRun(outcome: .skipped)
                    finish(member, run: run, started: started, duration: .zero, recorded: false)
                    return run
                }
            } catch {
                let run = StepRun(outcome: .failed, failure: "when: \(error.message)")
                finish(member, run: run, started: started, duration: .zero, recorded: false)
                return run
            }
        }
        events.send(.stepStarted(host: host.name, step: member.info))
        let step = definition.step
        // A step that acts from the runner and must not act twice (a callback, a provider API
        // call) is journalled on the host before it acts and right after.
        let guarded = !checkMode && !step.journalsItself && !step.safeToRunAgain
        if guarded {
            queue(.stepStarted(index: member.index, name: definition.name, kind: definition.kind, at: started))
            if let failure = await flushJournal() {
                let run = StepRun(outcome: .failed, failure: "cannot write the run journal \(journal.path) before the step: \(failure)")
                finish(member, run: run, started: started, duration: .zero, recorded: false, startJournalled: true)
                return run
            }
        }
        let recorder = Recorder()
        var run = StepRun(outcome: .failed)
        for attempt in 0...definition.retries {
            if attempt > 0 { try? await clock.sleep(for: definition.delay) }
            let context = self.context(for: member, scope: scope, recorder: recorder)
            run = await outcome {
                try await checkMode ? Self.planned(step, registeredAs: definition.register, in: context) : step.run(in: context)
            }
            if run.outcome != .failed { break }
        }
        if run.outcome == .unknown { unknown.append(member) }
        finish(member, run: run, started: started, duration: start.duration(to: clock.now), recorded: recorder.used, startJournalled: guarded)
        if guarded { _ = await flushJournal() }
        return run
    }

    /// The step's `preflight` on this host: nil when it found nothing in the way, else the
    /// message that stops the run.
    func preflight(_ member: Member) async -> String? {
        // A step its `when:` already rules out is not in the way (one that depends on earlier
        // results cannot be decided yet, and is checked).
        if let condition = member.definition.when, (try? condition.evaluate(in: baseScope)) == false { return nil }
        let context = self.context(for: member, scope: baseScope, recorder: Recorder())
        do {
            try await member.definition.step.preflight(in: context)
            return nil
        } catch {
            return masker.mask("\(error)")
        }
    }

    /// Writes the run's end to the journal and releases the lock, in one command. Returns
    /// false when the lock could not be released.
    func finish(status: RunStatus) async -> Bool {
        queue(.runFinished(status: status, at: Date()))
        guard !checkMode else { return true }
        let script = journal.append(pending) + "\n" + (holdsLock ? lock.releaseScript(runID: runID.rawValue, host: host.name, pid: getpid()) : "")
        pending.removeAll()
        do {
            let result = try await transport.run(RemoteCommand(script), output: nil)
            if result.succeeded { holdsLock = false }
            return result.succeeded
        } catch {
            return !holdsLock
        }
    }

    /// Takes up where the run stopped on this host (`run --resume`): the steps done, the changes
    /// to undo if the run fails from here, and the record so far (so the local copy is the whole
    /// run). `steps` are the playbook's.
    func takeUp(_ resume: ResumePlan.HostResume, steps: [StepDefinition]) {
        done = resume.done
        earlierUndo = resume.again
        let info = { (step: StepRecord) in StepInfo(index: step.index, name: step.name, kind: step.kind, total: steps.count) }
        changes = resume.changes.map { Change(definition: steps[$0.index], info: info($0), undo: $0.undo) }
        finished = resume.finished.map {
            FinishedStep(index: $0.index, name: $0.name, step: steps[$0.index].step, outcome: $0.outcome ?? .ok, fields: [:])
        }
        journalled = resume.events + journalled
        for (index, outcome) in resume.settled.sorted(by: { $0.key < $1.key }) {
            queue(.stepResult(index: index, outcome: outcome, outputTail: "judged by its exit code after the run stopped", at: Date()))
        }
    }

    /// Releases the lock taken by `acquireLock` when the run does not go ahead.
    func abandon() async {
        guard holdsLock else { return }
        if (try? await lock.release(
            on: transport, runID: runID.rawValue, host: host.name, playbook: "", environment: "")) != nil
        {
            holdsLock = false
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

    /// The names templates can use now: the run's, plus the results registered so far.
    var currentScope: Scope {
        var scope = baseScope
        scope.registered = registered
        return scope
    }

    func context(for member: Member, scope: Scope, recorder: Recorder) -> StepContext {
        let definition = member.definition
        let index = member.index
        var context = StepContext(
            host: host, transport: transport, scope: scope, stepIndex: index, stepName: definition.name, runID: runID,
            stateDirectory: stateDirectory, timeout: definition.timeout, masker: masker, output: output, http: http,
            recorded: { [self] command in
                try await self.runRecorded(command, member: member, recorder: recorder)
            })
        context.finishedSteps = highestFinishedIndex < index ? finished : finished.filter { $0.index < index }
        context.clock = clock
        context.undoSourcesInUse = { [transport, stateDirectory] in
            let history = try await transport.run(RemoteCommand(RunHistory.readScript(stateDirectory: stateDirectory)), output: nil)
            return RunHistory.undoSourceNames(in: RunHistory.records(fromOutput: history.stdoutText).records)
        }
        return context
    }

    /// Records how a step ended: in the journal (when its own command did not already carry
    /// its start and end), in the changes to undo, in the registered results, and to the
    /// reporters.
    /// `startJournalled`: the step's start already reached the journal.
    func finish(_ member: Member, run: StepRun, started: Date, duration: Duration, recorded: Bool, startJournalled: Bool = false) {
        let definition = member.definition
        let index = member.index
        if !recorded, !checkMode {
            if !startJournalled { queue(.stepStarted(index: index, name: definition.name, kind: definition.kind, at: started)) }
            // A step that changes something elsewhere (an `http` step's provider API) records
            // its undo here, so `rollout rollback` finds it later too.
            if let undo = run.undo, run.outcome != .ok, run.outcome != .skipped { queue(.undoRecorded(index: index, undo: undo)) }
            queue(.stepEnded(index: index, exitCode: run.command?.exitStatus, at: Date()))
        }
        let outputTail = tail(of: run)
        let outcome = run.outcome
        queue(.stepResult(index: index, outcome: outcome, outputTail: outputTail, at: Date()))
        if let undo = earlierUndo[index], !undo.isEmpty {
            // Run again after a stop: whatever this attempt did, the first one may have changed
            // the host, and its undo is what puts the host back as it was before the run.
            changes.append(Change(definition: definition, info: member.info, undo: undo))
        } else if let undo = run.undo, !checkMode, outcome != .ok, outcome != .skipped {
            changes.append(Change(definition: definition, info: member.info, undo: undo))
        }
        if outcome == .ok || outcome == .changed {
            finished.append(FinishedStep(index: index, name: definition.name, step: definition.step, outcome: outcome, fields: run.fields))
            highestFinishedIndex = max(highestFinishedIndex, index)
        }
        if let name = definition.register, outcome != .skipped {
            registered[name] = RegisteredResult(fields: run.fields)
        }
        if outcome == .failed || outcome == .unknown, !definition.ignoreFailure { failed = true }
        events.send(.stepFinished(host: host.name, step: member.info, outcome: outcome, duration: duration, outputTail: outputTail))
        if checkMode, outcome != .failed, let plan = run.fields["stdout"], !plan.isEmpty {
            events.send(.notice(plan.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")))
        }
    }

    /// Writes the pending events to the journal now, in a round trip of their own; returns why
    /// it could not (they then stay pending).
    func flushJournal() async -> String? {
        let sent = pending
        guard !sent.isEmpty else { return nil }
        do {
            let result = try await transport.run(RemoteCommand(journal.append(sent)), output: nil)
            guard result.succeeded else { return CommandFailure.describe(result, masker: masker) }
            pending.removeFirst(min(sent.count, pending.count))
            return nil
        } catch {
            return "\(error)"
        }
    }

    func queue(_ event: JournalEvent) {
        if !checkMode { pending.append(event) }
        journalled.append(event)
    }

    /// The last lines of what the step printed and why it failed, masked.
    func tail(of run: StepRun, lines: Int = 20) -> String {
        var text = ""
        if let command = run.command {
            text = command.stdoutText + (command.stderr.isEmpty ? "" : command.stderrText)
        }
        if let failure = run.failure { text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + failure }
        // Masked before the cut (a secret that spans the first kept line would keep its end), but
        // only from where a secret reaching the kept lines can start: the output may be a MiB.
        let bytes = Array(text.utf8)
        var cut = bytes.count
        var newlines = 0
        while cut > 0, newlines < lines {
            cut -= 1
            if bytes[cut] == UInt8(ascii: "\n") { newlines += 1 }
        }
        if newlines == lines { cut += 1 }
        let from = max(0, cut - max(masker.maxPatternLength - 1, 0))
        var kept = String(decoding: masker.mask(Array(bytes[from...])), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        // Begun before `cut`, what comes before the region's first newline is part of a line
        // not kept, or of a secret that started before the region.
        if from < cut { kept.removeFirst() }
        return kept.suffix(lines).joined(separator: "\n").trimmingTrailingNewlines
    }

    /// Runs one attempt of a step (or an undo), turning what it throws into a failed (or unknown) run.
    func outcome(of body: () async throws -> StepRun) async -> StepRun {
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

    /// What a step would do, as a result (`--check`). Its registered fields are the plan's
    /// text for `stdout` and `<name.field>` for the rest (a commit, a dump's path), which only
    /// the run knows: later steps that use them still plan, and show where they go.
    private static func planned(_ step: any RunnableStep, registeredAs name: String?, in context: StepContext) async throws -> StepRun {
        let plan = try await step.plan(in: context)
        let outcome: StepOutcome = plan.changes == .none ? .ok : .changed
        let text = plan.lines.joined(separator: "\n")
        var fields = ["stdout": text]
        if let name {
            for field in step.registeredFields where field != "stdout" { fields[field] = "<\(name).\(field)>" }
        }
        return StepRun(outcome: outcome, command: CommandResult(exitStatus: 0, stdout: Array(text.utf8)), fields: fields)
    }
}

/// Notes whether the journal holds the start and end of a step's recorded command.
final class Recorder: Sendable {
    private let flag = Mutex(false)

    var used: Bool {
        get { flag.withLock { $0 } }
        set { flag.withLock { $0 = newValue } }
    }
}
