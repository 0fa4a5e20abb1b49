import Foundation
import RolloutKit
import Synchronization
import TestSupport
import Testing

/// `rollout run --resume`: what the engine decides from a stopped run's records. Each test lays
/// out what a runner killed mid-run leaves on its hosts (the journal as far as it got, the lock
/// still held by the run), then resumes it in process.
@Suite struct ResumeTests {
    static let steps = """
        steps:
          - probe: { id: a, log: "{{ log }}" }
          - probe: { id: b, log: "{{ log }}" }
          - probe: { id: c, log: "{{ log }}" }
        """

    /// A step as the stopped run's journal holds it.
    struct Recorded {
        var index: Int
        var name: String
        var kind = "probe"
        /// nil: the step started and its end never reached the journal.
        var exitCode: Int32? = 0
        /// nil: the verdict was lost with the runner.
        var outcome: StepOutcome? = .changed
        var undo: [String: String] = [:]

        static func probe(_ index: Int, _ id: String, outcome: StepOutcome? = .changed, exitCode: Int32? = 0, undo: Bool = true) -> Recorded {
            Recorded(index: index, name: "probe \(id)", exitCode: exitCode, outcome: outcome, undo: undo ? ["probe": id] : [:])
        }
    }

    /// Writes the journal of `runID` on `host` as a runner that stopped after `steps` leaves it,
    /// for the playbook as it was (`playbook`), and the lock the run still holds: owned by a
    /// process of this machine that is gone (or by `pid`, `runHolding`, when given).
    func stop(
        _ harness: EngineHarness, _ playbook: Playbook, runID: RunID, host: String = "h1", steps: [Recorded],
        finished: RunStatus? = nil, pid: Int32 = 999_999, runHolding: String? = nil
    ) throws {
        let state = harness.root.appendingPathComponent("\(host)/state")
        let runs = state.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let started = Date().addingTimeInterval(-60)
        var events: [JournalEvent] = [
            .runStarted(
                RunHeader(
                    runID: runID, playbook: playbook.name, playbookHash: playbook.contentHash, environment: "test", host: host,
                    user: RunRecord.currentUser(), startedAt: started, stepHashes: playbook.stepHashes))
        ]
        for step in steps {
            events.append(.stepStarted(index: step.index, name: step.name, kind: step.kind, at: started))
            if !step.undo.isEmpty { events.append(.undoRecorded(index: step.index, undo: step.undo)) }
            if let code = step.exitCode { events.append(.stepEnded(index: step.index, exitCode: code, at: nil)) }
            if let outcome = step.outcome { events.append(.stepResult(index: step.index, outcome: outcome, outputTail: "", at: started)) }
        }
        if let finished { events.append(.runFinished(status: finished, at: started)) }
        try Data(events.map { $0.jsonLine + "\n" }.joined().utf8).write(to: runs.appendingPathComponent("\(runID).\(host).jsonl"))
        guard finished == nil else { return }
        try holdLock(harness, runID: runID, host: host, pid: pid, runHolding: runHolding)
    }

    /// The lock of `host` as a run holds it: owned by `runHolding` (default `runID`) in process
    /// `pid` of this machine, its lease live.
    func holdLock(_ harness: EngineHarness, runID: RunID, host: String = "h1", pid: Int32 = 999_999, runHolding: String? = nil) throws {
        let started = Date().addingTimeInterval(-60)
        let lock = harness.root.appendingPathComponent("\(host)/state/lock")
        try FileManager.default.createDirectory(at: lock, withIntermediateDirectories: true)
        let expires = Int64(Date().timeIntervalSince1970) + 500
        let owner =
            "{\"owner\":\"\(RunRecord.currentUser(environment: [:]))\",\"run_id\":\"\(runHolding ?? runID.rawValue)\",\"host\":\"\(host)\",\"started_at\":\(Int64(started.timeIntervalSince1970)),\"lease_expires\":\(expires),\"pid\":\(pid)}\n"
        try Data(owner.utf8).write(to: lock.appendingPathComponent("owner.json"))
        try Data("\(expires)\n".utf8).write(to: lock.appendingPathComponent("lease"))
        try Data().write(to: lock.appendingPathComponent("holder.\(host)"))
    }

    func record(_ harness: EngineHarness, runID: RunID, host: String = "h1") throws -> RunRecord {
        let url = harness.root.appendingPathComponent("\(host)/state/runs/\(runID).\(host).jsonl")
        return try RunRecord.replay(journalLines: try String(contentsOf: url, encoding: .utf8).split(separator: "\n"))
    }

    @Test func aStoppedRunGoesOnFromItsFirstUnfinishedStepAsOneRun() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        try stop(harness, try harness.playbook(Self.steps), runID: runID, steps: [.probe(0, "a"), .probe(1, "b")])
        let summary = try await harness.resume(Self.steps, runID: runID)
        #expect(summary.exitCode == .success, "\(harness.notices)")
        #expect(harness.logLines == ["run c h1"])
        #expect(harness.events.contains(.runResumed(host: "h1", from: "from step 3 'probe c'")))
        // One run: its record holds every step, and says it was resumed.
        let record = try record(harness, runID: runID)
        #expect(record.status == .succeeded)
        #expect(record.resumedAt.count == 1)
        #expect(record.steps.map(\.outcome) == [.changed, .changed, .changed])
        #expect(try harness.runIDs(in: "h1/state/runs") == [runID])
        #expect(!harness.exists("h1/state/lock"))
        #expect(Set(summary.changed.map(\.step.name)) == ["probe a", "probe b", "probe c"])
    }

    @Test func aFailureAfterTheResumptionUndoesTheStepsBeforeTheStopTooNewestFirst() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}" }
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """
        try stop(harness, try harness.playbook(body), runID: runID, steps: [.probe(0, "a"), .probe(1, "b")])
        let summary = try await harness.resume(body, runID: runID)
        #expect(summary.exitCode == .restored)
        #expect(harness.logLines == ["run c h1", "undo c h1", "undo b h1", "undo a h1"])
        #expect(try record(harness, runID: runID).status == .rolledBack)
    }

    @Test func aChangedPlaybookIsRefusedNamingTheStepUnlessForced() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        try stop(harness, try harness.playbook(Self.steps), runID: runID, steps: [.probe(0, "a")])
        let changed = Self.steps.replacingOccurrences(of: "id: c,", with: "id: c2,")
        let refused = try await harness.resume(changed, runID: runID)
        #expect(refused.exitCode == .invalidInput)
        #expect(
            harness.notices.contains { $0.contains("the playbook changed since run \(runID) started") && $0.contains("step 3 'probe c2' changed") })
        #expect(harness.logLines.isEmpty)
        // Nothing changed: the run is still there to resume, its lock still its own.
        #expect(try record(harness, runID: runID).status == .running)
        #expect(harness.exists("h1/state/lock"))

        let forced = try await harness.resume(changed, runID: runID, force: true)
        #expect(forced.exitCode == .success)
        #expect(harness.logLines == ["run b h1", "run c2 h1"])
    }

    @Test func anInFlightStepThatMayHaveChangedTheHostIsRefusedAndRunsAgainOnlyWithForce() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}" }
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """
        // b recorded its undo, then the runner died: it may have changed the host.
        try stop(harness, try harness.playbook(body), runID: runID, steps: [.probe(0, "a"), .probe(1, "b", outcome: nil, exitCode: nil)])
        let refused = try await harness.resume(body, runID: runID)
        #expect(refused.exitCode == .invalidInput)
        #expect(
            harness.notices.contains {
                $0.contains("step 2 'probe b' (probe) was running on h1 when the run stopped and its end is not recorded") && $0.contains("--force")
            })
        #expect(harness.logLines.isEmpty)

        // Forced, it runs again; the later failure undoes it from the undo its first attempt saved.
        let forced = try await harness.resume(body, runID: runID, force: true)
        #expect(forced.exitCode == .restored)
        #expect(harness.logLines == ["run b h1", "run c h1", "undo c h1", "undo b h1", "undo a h1"])
    }

    @Test func anInFlightStepThatRecordedNoUndoChangedNothingAndRunsAgain() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        try stop(
            harness, try harness.playbook(Self.steps), runID: runID,
            steps: [.probe(0, "a"), .probe(1, "b", outcome: nil, exitCode: nil, undo: false)])
        let summary = try await harness.resume(Self.steps, runID: runID)
        #expect(summary.exitCode == .success, "\(harness.notices)")
        #expect(harness.logLines == ["run b h1", "run c h1"])
    }

    @Test func aShellStepWhoseEndIsRecordedIsJudgedByItsExitCodeAndNotRunAgain() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - shell: echo run s h1 >> "{{ log }}"
              - probe: { id: c, log: "{{ log }}" }
            """
        let playbook = try harness.playbook(body)
        let shell = Recorded(index: 1, name: playbook.steps[1].name, kind: "shell", exitCode: 0, outcome: nil)
        try stop(harness, playbook, runID: runID, steps: [.probe(0, "a"), shell])
        let summary = try await harness.resume(body, runID: runID)
        #expect(summary.exitCode == .success, "\(harness.notices)")
        #expect(harness.logLines == ["run c h1"])
        #expect(try record(harness, runID: runID).step(1)?.outcome == .changed)

        // The same shell step without its end recorded may still be running: refused.
        let other = RunID.generate()
        let harness2 = try EngineHarness()
        try stop(
            harness2, try harness2.playbook(body), runID: other,
            steps: [.probe(0, "a"), Recorded(index: 1, name: shell.name, kind: "shell", exitCode: nil, outcome: nil)])
        #expect(try await harness2.resume(body, runID: other).exitCode == .invalidInput)
        #expect(harness2.notices.contains { $0.contains("a shell step is not safe to run twice") })
    }

    @Test func aRunThatEndedIsNeverResumedEvenForced() async throws {
        for status in [RunStatus.succeeded, .rolledBack, .interrupted, .failed] {
            let harness = try EngineHarness()
            let runID = RunID.generate()
            try stop(harness, try harness.playbook(Self.steps), runID: runID, steps: [.probe(0, "a")], finished: status)
            let summary = try await harness.resume(Self.steps, runID: runID, force: true)
            #expect(summary.exitCode == .invalidInput)
            #expect(
                harness.notices.contains { $0.contains("run \(runID)") && $0.contains(status == .succeeded ? "already finished" : status.rawValue) })
            #expect(harness.logLines.isEmpty)
        }
    }

    @Test func aStepThatFailedBeforeTheStopMeansTheRunWasFailingAndIsRefused() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        try stop(harness, try harness.playbook(Self.steps), runID: runID, steps: [.probe(0, "a"), .probe(1, "b", outcome: .failed, exitCode: 1)])
        let summary = try await harness.resume(Self.steps, runID: runID, force: true)
        #expect(summary.exitCode == .invalidInput)
        #expect(
            harness.notices.contains {
                $0.contains("step 2 'probe b' failed on h1 (exit 1) before the stop") && $0.contains("rollout rollback --run \(runID)")
            })
    }

    @Test func theLockOfAnotherRunIsNeverTakenAndALiveRunnerOfThisRunOnlyWithForce() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        let other = RunID.generate()
        let playbook = try harness.playbook(Self.steps)
        try stop(harness, playbook, runID: runID, steps: [.probe(0, "a")], runHolding: other.rawValue)
        #expect(try await harness.resume(Self.steps, runID: runID, force: true).exitCode == .lockHeld)
        #expect(harness.notices.contains { $0.contains("deploy lock on h1 is held by") && $0.contains(other.rawValue) })

        // This process stands for a runner of the run that is still alive.
        let live = try EngineHarness()
        try stop(live, try live.playbook(Self.steps), runID: runID, steps: [.probe(0, "a")], pid: getpid())
        #expect(try await live.resume(Self.steps, runID: runID).exitCode == .lockHeld)
        #expect(live.notices.contains { $0.contains("still has a live runner on this machine (pid \(getpid())") })
        #expect(live.logLines.isEmpty)
        #expect(try await live.resume(Self.steps, runID: runID, force: true).exitCode == .success)
        #expect(live.logLines == ["run b h1", "run c h1"])
    }

    @Test func aHostWhoseRecordEndsBehindTheOthersIsRefused() async throws {
        let harness = try EngineHarness(hosts: 2)
        let runID = RunID.generate()
        let playbook = try harness.playbook(Self.steps)
        try stop(harness, playbook, runID: runID, host: "h1", steps: [.probe(0, "a"), .probe(1, "b"), .probe(2, "c", outcome: nil, exitCode: nil)])
        try stop(harness, playbook, runID: runID, host: "h2", steps: [.probe(0, "a")])
        let summary = try await harness.resume(Self.steps, runID: runID)
        #expect(summary.exitCode == .invalidInput)
        #expect(harness.notices.contains { $0.contains("on h2 ends before step 2 'probe b', yet h1 went on to step 3 'probe c'") })
    }

    @Test func hostsAtDifferentStepsEachGoOnFromTheirOwn() async throws {
        // forks: 1 — h1 finished b before h2 started it.
        let harness = try EngineHarness(hosts: 2)
        let runID = RunID.generate()
        let body = "forks: 1\n" + Self.steps
        let playbook = try harness.playbook(body)
        try stop(harness, playbook, runID: runID, host: "h1", steps: [.probe(0, "a"), .probe(1, "b")])
        try stop(harness, playbook, runID: runID, host: "h2", steps: [.probe(0, "a")])
        let summary = try await harness.resume(body, runID: runID)
        #expect(summary.exitCode == .success, "\(harness.notices)")
        #expect(harness.logLines == ["run b h2", "run c h1", "run c h2"])
    }

    @Test func aResultRegisteredBeforeTheStopThatALaterStepNeedsStopsTheResume() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
                register: first
              - probe: { id: b, log: "{{ log }}" }
              - probe: { id: "{{ first.stdout }}", log: "{{ log }}" }
            """
        try stop(harness, try harness.playbook(body), runID: runID, steps: [.probe(0, "a")])
        let summary = try await harness.resume(body, runID: runID, force: true)
        #expect(summary.exitCode == .invalidInput)
        #expect(harness.notices.contains { $0.contains("uses {{ first.stdout }}, registered by step 1 'probe a' before the stop") })
    }

    @Test func aResumedRunIsRolledBackLaterAsOneRunWithEveryStep() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        try stop(harness, try harness.playbook(Self.steps), runID: runID, steps: [.probe(0, "a"), .probe(1, "b")])
        #expect(try await harness.resume(Self.steps, runID: runID).exitCode == .success)
        let rollback = try await harness.rollback(Self.steps)
        #expect(rollback.exitCode == .success)
        #expect(harness.logLines == ["run c h1", "undo c h1", "undo b h1", "undo a h1"])
    }

    /// The runner died while it undid the run after a failure: some changes are undone, some
    /// not, and the record says the rollback did not finish, so the run is not continued.
    @Test func aRunKilledHalfWayThroughItsUndosIsNotResumed() async throws {
        let harness = try EngineHarness()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: b, log: "{{ log }}" }
              - probe: { id: c, log: "{{ log }}", fail_on: h1 }
            """
        let runs = harness.root.appendingPathComponent("h1/state/runs")
        let journalAtUndo = Mutex<(URL, Data)?>(nil)
        harness.host("h1").on(
            where: { $0.script.contains("undo b h1") },
            .before {
                let name = (try? FileManager.default.contentsOfDirectory(atPath: runs.path))?.first { $0.hasSuffix(".jsonl") }
                if let name, let data = try? Data(contentsOf: runs.appendingPathComponent(name)) {
                    journalAtUndo.withLock { $0 = (runs.appendingPathComponent(name), data) }
                }
            })
        #expect(try await harness.run(body).exitCode == .restored)
        // The host as the runner left it had it been killed as the undo of b began.
        let (journal, data) = try #require(journalAtUndo.withLock { $0 })
        try data.write(to: journal)
        let runID = try #require(harness.runIDs(in: "h1/state/runs").first)
        try holdLock(harness, runID: runID)

        let summary = try await harness.resume(body, runID: runID, force: true)
        #expect(summary.exitCode == .invalidInput)
        #expect(
            harness.notices.contains {
                $0.contains("run \(runID) ended on h1 with rollback_failed") && $0.contains("rollout rollback --run \(runID)")
            })
    }

    @Test func aRunStoppedInItsAlwaysStepsRunsThemAgainAndFinishes() async throws {
        let harness = try EngineHarness()
        let runID = RunID.generate()
        let body =
            Self.steps + """

                always:
                  - probe: { id: z, log: "{{ log }}", read_only: true }
                """
        let playbook = try harness.playbook(body)
        let always = Recorded(index: 3, name: "probe z", exitCode: nil, outcome: nil)
        try stop(harness, playbook, runID: runID, steps: [.probe(0, "a"), .probe(1, "b"), .probe(2, "c"), always])
        let summary = try await harness.resume(body, runID: runID)
        #expect(summary.exitCode == .success, "\(harness.notices)")
        #expect(harness.logLines == ["check z h1"])
        #expect(harness.events.contains(.runResumed(host: "h1", from: "every step done; the run's end is written")))
        #expect(try record(harness, runID: runID).status == .succeeded)
    }

    /// A step that acts from the runner and must not act twice (a callback) reaches the journal
    /// before it acts and as soon as it ended, not with the next command: a runner killed in
    /// between leaves a record that shows it, so a resume does not send it again unasked.
    @Test func aStepThatMustNotActTwiceIsJournalledBeforeAndAfterItActs() async throws {
        let harness = try EngineHarness()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
              - probe: { id: p, log: "{{ log }}", from_runner: true }
              - probe: { id: c, log: "{{ log }}" }
            """
        let runs = harness.root.appendingPathComponent("h1/state/runs")
        let seen = Mutex<[String: String]>([:])
        let journal: @Sendable () -> String = {
            let name = (try? FileManager.default.contentsOfDirectory(atPath: runs.path))?.first { $0.hasSuffix(".jsonl") }
            return name.flatMap { try? String(contentsOf: runs.appendingPathComponent($0), encoding: .utf8) } ?? ""
        }
        harness.host("h1").on(where: { $0.script.contains("send p h1") }, .before { seen.withLock { $0["during"] = journal() } })
        harness.host("h1").on(where: { $0.script.contains("run c h1") }, .before { seen.withLock { $0["after"] = journal() } })
        #expect(try await harness.run(body).exitCode == .success)
        let during = seen.withLock { $0["during"] } ?? ""
        let after = seen.withLock { $0["after"] } ?? ""
        #expect(during.contains("\"event\":\"step_started\",\"index\":1,"), "\(during)")
        #expect(!during.contains("\"event\":\"step_result\",\"index\":1,"), "\(during)")
        #expect(after.contains("\"event\":\"step_result\",\"index\":1,\"outcome\":\"ok\""), "\(after)")

        // Killed while it acted: the record shows it in flight, and the resume names it.
        let stopped = try EngineHarness()
        let runID = RunID.generate()
        let playbook = try stopped.playbook(body)
        try stop(stopped, playbook, runID: runID, steps: [.probe(0, "a"), Recorded(index: 1, name: "probe p", exitCode: nil, outcome: nil)])
        #expect(try await stopped.resume(body, runID: runID).exitCode == .invalidInput)
        #expect(stopped.notices.contains { $0.contains("step 2 'probe p' (probe) was running on h1 when the run stopped") })
    }
}
