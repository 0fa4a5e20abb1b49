public import Foundation

/// Whether and how `rollout run --resume RUN` continues a run that stopped (its runner killed,
/// its connection lost) from what each host's journal of the run says; a pure decision, tested
/// as a table.
///
/// The rules:
/// - Only a run that is still `running` on every host it reached, and that is a deploy of this
///   playbook, is continued. A run that finished, failed, was interrupted or rolled back, or
///   was itself a rollback, is refused whatever `--force` says.
/// - A step whose verdict is recorded as `ok`, `changed` or `skipped` (or `failed` under
///   `ignore_failure`) is done and does not run again; its recorded undo stays part of the run,
///   so a failure after the resumption undoes it too, in the order the run made it.
/// - A step that failed before the stop means the run was failing: refused (the run is undone
///   with `rollout rollback --run`, not continued). A `rollback:` step in the record, or the
///   `rollback_failed` a restore writes before its first undo, means the run was already
///   rolling back: refused too. `always:` steps in the record run again at the end.
/// - A step that was in flight at the stop (started, no verdict) is judged by what the record
///   says: a command whose end is recorded is judged by its exit code when its kind allows
///   (`RunnableStep.outcome(ofEndedCommand:)`); a step of a kind that records its undo before
///   changing anything and recorded none changed nothing; otherwise it runs again only when its
///   kind is safe to run twice (`RunnableStep.safeToRunAgain`: set_env, upload, git,
///   restart_service, read-only steps), keeping the undo its first attempt recorded. Any other
///   in-flight step (a `shell` command, a migration) is refused, naming it, unless `--force`.
/// - A playbook whose content hash differs from the run's is refused unless `--force`, naming
///   the steps that differ; so is a host whose record ends where the other hosts' records say
///   it cannot (a change step the others went past is missing from it).
/// - A later step that needs a result registered before the stop (`{{ name.field }}`, a
///   migration's dump path) cannot run: the record keeps undo data, not results. Refused.
public struct ResumePlan: Sendable {
    /// What one host's journal of the run holds, as read from the host.
    public enum Journal: Sendable {
        /// No journal of the run on the host: the host was not part of it.
        case missing
        /// The journal exists (the run took the host's lock) and holds no event yet.
        case empty
        /// The journal's events, in order.
        case events([JournalEvent])
        /// The journal cannot be read; the reason.
        case unreadable(String)

        /// The journal as `RunJournal.readScript` printed it; `found` false when it does not exist.
        public init(output: String, found: Bool) {
            guard found else {
                self = .missing
                return
            }
            let lines = output.split(separator: "\n").map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
            guard !lines.isEmpty else {
                self = .empty
                return
            }
            var events: [JournalEvent] = []
            for (position, line) in lines.enumerated() {
                do {
                    events.append(try JournalEvent(jsonLine: line))
                } catch {
                    // A line cut off by the crash, as `RunRecord.replay` reads it.
                    if position == lines.count - 1 { break }
                    self = .unreadable("line \(position + 1) is not a journal event: \(line.prefix(80))")
                    return
                }
            }
            self = .events(events)
        }
    }

    /// Where one host takes the run up again.
    public struct HostResume: Sendable {
        public var host: String
        /// Steps done before the stop (or settled from the record): they do not run again.
        public var done: Set<Int>
        /// In-flight steps that run again, with the undo their first attempt recorded (kept:
        /// it describes the host before the run touched it).
        public var again: [Int: [String: String]]
        /// In-flight steps judged from the record (a command whose end is recorded): the verdict
        /// the runner could not write, written by the resumed run.
        public var settled: [Int: StepOutcome]
        /// Done steps that changed the host and recorded an undo, oldest first.
        public var changes: [StepRecord]
        /// Done steps that ended ok or changed, oldest first (`StepContext.finishedSteps`).
        public var finished: [StepRecord]
        /// The furthest playbook step the host's record shows started.
        public var furthest: Int?
        /// The journal's events so far, so that the local copy of the record is the whole run.
        public var events: [JournalEvent]
        /// What the host's record says, for the notice: "from step 3 'name'".
        public var description: String
    }

    /// Why the run is not continued.
    public struct Problem: Sendable, Hashable {
        public var message: String
        /// `--force` goes ahead anyway.
        public var forcible: Bool
    }

    public var hosts: [HostResume]
    /// The problems found; the run goes ahead when each is forcible and `--force` was given.
    public var problems: [Problem]
    /// Hosts of the environment that have no record of the run (left out of it).
    public var notInRun: [String]

    /// A host of the environment as the decision needs it: its name and the playbook steps
    /// that go to it (`on:`).
    public struct Target: Sendable {
        public var host: String
        public var steps: Set<Int>

        public init(host: String, steps: Set<Int>) {
            self.host = host
            self.steps = steps
        }
    }

    /// Decides from `journals` (by host name) whether `playbook` can continue run `runID` on
    /// `targets` (in inventory order), `batchSize` hosts at a time as the run went.
    public static func decide(
        runID: RunID, playbook: Playbook, targets: [Target], journals: [String: Journal], batchSize: Int, force: Bool
    ) -> ResumePlan {
        var plan = ResumePlan(hosts: [], problems: [], notInRun: [])
        func refuse(_ message: String, forcible: Bool = false) {
            let problem = Problem(message: message, forcible: forcible)
            if !plan.problems.contains(problem) { plan.problems.append(problem) }
        }
        let steps = playbook.steps
        var records: [(target: Target, record: RunRecord?, events: [JournalEvent])] = []
        for target in targets {
            switch journals[target.host] ?? .missing {
            case .missing:
                plan.notInRun.append(target.host)
            case .empty:
                records.append((target, nil, []))
            case .unreadable(let reason):
                refuse("the record of run \(runID) on \(target.host) cannot be read (\(reason)); look at it with rollout history")
            case .events(let events):
                do {
                    records.append((target, try RunRecord.replay(journalLines: events.map(\.jsonLine)), events))
                } catch {
                    refuse("the record of run \(runID) on \(target.host) cannot be read (\(error)); look at it with rollout history")
                }
            }
        }
        guard !records.isEmpty || !plan.problems.isEmpty else {
            refuse("no host of this environment has a record of run \(runID); rollout history lists the runs each host keeps")
            return plan
        }

        // The run as a whole: this playbook's deploy, still unfinished, the same playbook.
        for (target, record, _) in records {
            guard let record else { continue }
            if record.playbook != playbook.name {
                refuse("run \(runID) on \(target.host) is of playbook '\(record.playbook)', not '\(playbook.name)'")
            }
            if let undone = record.undoes {
                refuse("run \(runID) is a rollback (of run \(undone)), not a deploy; only a deploy is resumed")
            }
            if record.status != .running {
                refuse(Self.finishedMessage(record, runID: runID, host: target.host))
            }
        }
        if let record = records.compactMap(\.record).first(where: { $0.playbookHash != playbook.contentHash }) {
            refuse(Self.changedMessage(record, playbook: playbook, runID: runID), forcible: true)
        }

        // Each host: where its record ends.
        var doneOnce: Set<Int> = []
        var registeredBefore: [String: Int] = [:]
        for (target, record, events) in records {
            var resume = HostResume(
                host: target.host, done: [], again: [:], settled: [:], changes: [], finished: [], furthest: nil, events: events,
                description: "nothing recorded yet: from step 1")
            guard let record else {
                plan.hosts.append(resume)
                continue
            }
            let originalCount = record.stepHashes.isEmpty ? steps.count : record.stepHashes.count
            var previous = -1
            // The steps whose verdict reached the journal (after their last start: a retry starts again).
            var verdicts: Set<Int> = []
            for event in events {
                switch event {
                case .stepStarted(let index, _, _, _): verdicts.remove(index)
                case .stepResult(let index, _, _, _): verdicts.insert(index)
                default: break
                }
            }
            let lastWithVerdict = record.steps.lastIndex { verdicts.contains($0.index) }
            for (position, step) in record.steps.enumerated() {
                let label = "step \(step.index + 1) '\(step.name)'"
                // The `always:` steps (numbered after `rollback:`) run at the end of every run: they
                // run again at the end of the resumed one.
                if step.index >= originalCount + playbook.rollback.count { continue }
                if step.index >= originalCount {
                    refuse(
                        "run \(runID) was already rolling back on \(target.host) when it stopped (it ran rollback: step '\(step.name)'); finish undoing it with rollout rollback --run \(runID)"
                    )
                    break
                }
                if step.index <= previous {
                    refuse(
                        "the record of run \(runID) on \(target.host) runs \(label) after step \(previous + 1): a run goes in order, so this record is not the one the run left",
                        forcible: true)
                }
                previous = max(previous, step.index)
                resume.furthest = previous
                guard steps.indices.contains(step.index), steps[step.index].kind == step.kind else {
                    let now = steps.indices.contains(step.index) ? "is '\(steps[step.index].name)' (\(steps[step.index].kind))" : "is gone"
                    refuse(
                        "\(label) (\(step.kind)) ran on \(target.host) before the stop, and step \(step.index + 1) of the playbook \(now) now: the resumed run could not undo it; undo the run with the playbook it ran with (rollout rollback --run \(runID))"
                    )
                    continue
                }
                let definition = steps[step.index]
                let inFlight = !verdicts.contains(step.index)
                var outcome = step.outcome ?? .unknown
                if inFlight {
                    if let last = lastWithVerdict, position < last {
                        refuse(
                            "the record of run \(runID) on \(target.host) leaves \(label) without a verdict, yet later steps ran: this record is not the one the run left",
                            forcible: true)
                    }
                    // Its command's end, judged by the exit code where the kind allows; else unknown.
                    outcome = step.exitCode.flatMap { definition.step.outcome(ofEndedCommand: $0) } ?? .unknown
                    if outcome != .unknown { resume.settled[step.index] = outcome }
                }
                switch outcome {
                case .ok, .changed, .skipped:
                    resume.done.insert(step.index)
                case .failed where definition.ignoreFailure:
                    resume.done.insert(step.index)
                case .failed:
                    refuse(
                        "\(label) failed on \(target.host)\(step.exitCode.map { " (exit \($0))" } ?? "") before the stop: the run was failing, not stopped half-way; undo it with rollout rollback --run \(runID)"
                    )
                    continue
                case .unknown:
                    let ended =
                        step.exitCode.map { "its command ended (exit \($0)) but its verdict was lost with the runner" } ?? "its end is not recorded"
                    if definition.step.recordsUndoFirst, step.undo.isEmpty {
                        // It records its undo before changing anything and recorded none.
                        resume.again[step.index] = [:]
                    } else if definition.step.safeToRunAgain || force {
                        resume.again[step.index] = step.undo
                    } else {
                        refuse(
                            "\(label) (\(definition.kind)) was running on \(target.host) when the run stopped and \(ended): it may have changed the host, and a \(definition.kind) step is not safe to run twice. Look on the host; if running it again is safe, resume with --force; otherwise undo the run with rollout rollback --run \(runID)",
                            forcible: true)
                    }
                    continue
                }
                if outcome == .changed || outcome == .failed, !step.undo.isEmpty { resume.changes.append(step) }
                if outcome == .ok || outcome == .changed { resume.finished.append(step) }
                if definition.runOnce { doneOnce.insert(step.index) }
                if let name = definition.register, outcome != .skipped {
                    registeredBefore[name] = min(registeredBefore[name] ?? .max, step.index)
                }
            }
            let next = steps.indices.first { target.steps.contains($0) && !resume.done.contains($0) && !doneOnce.contains($0) }
            resume.description =
                next.map { "from step \($0 + 1) '\(steps[$0].name)'" + (resume.again[$0] != nil ? " (in flight at the stop; it runs again)" : "") }
                ?? "every step done; the run's end is written"
            plan.hosts.append(resume)
        }

        // Hosts of one batch went step by step together: a change step another host of the
        // batch went past is in every record of the batch.
        let size = max(1, batchSize)
        let ordered = plan.hosts
        for start in stride(from: 0, to: ordered.count, by: size) {
            let batch = Array(ordered[start..<min(ordered.count, start + size)])
            let furthest = batch.compactMap { resume in resume.furthest.map { (resume.host, $0) } }
                .max { $0.1 < $1.1 }
            guard let (ahead, reached) = furthest else { continue }
            for resume in batch {
                let target = targets.first { $0.host == resume.host }
                for index in 0..<reached where target?.steps.contains(index) == true {
                    let definition = steps[index]
                    guard definition.step.mutates, !definition.runOnce, definition.when == nil else { continue }
                    if !resume.done.contains(index), resume.again[index] == nil {
                        refuse(
                            "the record of run \(runID) on \(resume.host) ends before step \(index + 1) '\(definition.name)', yet \(ahead) went on to step \(reached + 1) '\(steps[reached].name)': hosts of a batch take each step together, so \(resume.host)'s record is not the one the run left (look with rollout history; --force continues each host from its own record)",
                            forcible: true)
                        break
                    }
                }
            }
        }

        // Results registered before the stop are not in the record.
        let pending = Set(plan.hosts.flatMap { resume in steps.indices.filter { !resume.done.contains($0) && !doneOnce.contains($0) } })
        let later: [(String, StepDefinition)] =
            pending.sorted().map { ("step \($0 + 1) '\(steps[$0].name)'", steps[$0]) }
            + playbook.rollback.map { ("rollback: step '\($0.name)'", $0) } + playbook.always.map { ("always: step '\($0.name)'", $0) }
        for (label, definition) in later {
            for reference in definition.templates.flatMap(\.references) {
                guard let name = reference.path.first, let index = registeredBefore[name] else { continue }
                refuse(
                    "\(label) uses {{ \(reference) }}, registered by step \(index + 1) '\(steps[index].name)' before the stop; the run record keeps undo data, not results, so the run cannot go on: undo it with rollout rollback --run \(runID) and run again"
                )
            }
        }
        let dumped = plan.hosts.flatMap { $0.finished }.filter { steps.indices.contains($0.index) && steps[$0.index].step is any DatabaseDumpStep }
        for index in pending.sorted() where steps[index].step.needsEarlierResults {
            guard let dump = dumped.first(where: { $0.index < index }) else { continue }
            refuse(
                "step \(index + 1) '\(steps[index].name)' would be undone from the dump step \(dump.index + 1) '\(dump.name)' made before the stop, whose path the run record does not keep: undo the run with rollout rollback --run \(runID) and run again"
            )
        }
        return plan
    }

    /// True when the run goes ahead: no problem, or only forcible ones under `--force`.
    public func allowed(force: Bool) -> Bool {
        problems.allSatisfy { force && $0.forcible }
    }

    private static func finishedMessage(_ record: RunRecord, runID: RunID, host: String) -> String {
        let when = record.endedAt.map { " at \(Self.time($0))" } ?? ""
        switch record.status {
        case .succeeded:
            return "run \(runID) already finished on \(host): it succeeded\(when); nothing to resume"
        case .rolledBack, .interrupted:
            return "run \(runID) was rolled back on \(host) (\(record.status.rawValue)\(when)); start a new run instead"
        case .failed, .rollbackFailed:
            return
                "run \(runID) ended on \(host) with \(record.status.rawValue)\(when); it is not resumed: see rollout history, and undo what is left with rollout rollback --run \(runID)"
        case .running:
            return "run \(runID) is running on \(host)"
        }
    }

    /// "the playbook changed since run X started: step 3 'name' changed; …"
    static func changedMessage(_ record: RunRecord, playbook: Playbook, runID: RunID) -> String {
        let then = record.playbookHash.prefix(12)
        let now = playbook.contentHash.prefix(12)
        var differences: [String] = []
        let steps = playbook.steps
        if record.stepHashes.isEmpty {
            for step in record.steps where step.index < steps.count && (steps[step.index].name != step.name || steps[step.index].kind != step.kind) {
                differences.append(
                    "step \(step.index + 1) was '\(step.name)' (\(step.kind)), is '\(steps[step.index].name)' (\(steps[step.index].kind))")
            }
            if differences.isEmpty {
                differences.append("this record is older than per-step hashes, so which steps changed is not known")
            }
        } else {
            let hashes = playbook.stepHashes
            for index in 0..<max(hashes.count, record.stepHashes.count) {
                if index >= hashes.count {
                    let name = record.step(index)?.name ?? "step \(index + 1)"
                    differences.append("step \(index + 1) '\(name)' was removed")
                } else if index >= record.stepHashes.count {
                    differences.append("step \(index + 1) '\(steps[index].name)' was added")
                } else if hashes[index] != record.stepHashes[index] {
                    differences.append("step \(index + 1) '\(steps[index].name)' changed")
                }
            }
            if differences.isEmpty {
                differences.append("every step is the same; something else changed (vars, rollback:, always:, state_dir, …)")
            }
        }
        return
            "the playbook changed since run \(runID) started (content hash \(then)… then, \(now)… now): \(differences.joined(separator: "; ")). Resume with the playbook the run started with, or add --force to go on with this one"
    }

    private static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }
}
