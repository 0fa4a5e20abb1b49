import Foundation
import RolloutKit
import TestSupport
import Testing

struct RunJournalTests {
    let runID = RunID("20261123T134501Z-3f9a")!

    func header(_ date: Date = Date()) -> RunHeader {
        RunHeader(
            runID: runID, playbook: "youarecoder-billing", playbookHash: "sha256:abc", environment: "sandbox",
            host: "local1", user: "alice@laptop", startedAt: date)
    }

    func journalLines(_ journal: RunJournal) throws -> [String] {
        try String(contentsOfFile: journal.path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func wrappedStepKeepsItsOutputAndExitCodeAndIsRecorded() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = RunJournal(stateDirectory: dir.appendingPathComponent("state").path, runID: runID, host: "h1")
        let first = try ShellProcess.run(journal.append([.runStarted(header())]))
        #expect(first.status == 0)
        let script =
            journal.library().definitions
            + journal.wrap(
                stepIndex: 0, name: "Set \"env\" 100%", kind: "set_env",
                userScript: "rollout_undo previous_file \"/tmp/x y\\\"z\"\necho out; echo err >&2; exit 7")
        let result = try ShellProcess.run(script)
        #expect(result.status == 7)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
        let second = try ShellProcess.run(
            journal.library().definitions
                + journal.wrap(
                    stepIndex: 1, name: "syntax", kind: "shell", userScript: "if then fi (",
                    pending: [.stepResult(index: 0, outcome: .failed, outputTail: "out\nerr", at: Date())]))
        #expect(second.status != 0)

        let record = try RunRecord.replay(journalLines: try journalLines(journal))
        #expect(record.steps.count == 2)
        let step = try #require(record.step(0))
        #expect(step.name == "Set \"env\" 100%")
        #expect(step.exitCode == 7)
        #expect(step.outcome == .failed)
        #expect(step.outputTail == "out\nerr")
        #expect(step.undo == ["previous_file": "/tmp/x y\"z"])
        #expect((step.durationMilliseconds ?? -1) >= 0)
        // A syntax error in the step's script still lets the epilogue record its end.
        #expect(record.step(1)?.exitCode == second.status)
        #expect(record.step(1)?.outcome == .failed)
        #expect(record.status == .running)

        let attributes = try FileManager.default.attributesOfItem(atPath: journal.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func firstStepCreatesAPrivateJournalAndTheStepKeepsTheLoginUmask() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = RunJournal(stateDirectory: dir.appendingPathComponent("state").path, runID: runID, host: "h1")
        let step = journal.library().definitions + journal.wrap(stepIndex: 0, name: "umask", kind: "shell", userScript: "umask")
        let result = try ShellProcess.run("umask 022\n" + step)
        #expect(result.status == 0)
        #expect(result.stdout == "0022\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: journal.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let runs = try FileManager.default.attributesOfItem(atPath: journal.runsDirectory)
        #expect((runs[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try journalLines(journal).count == 2)
    }

    @Test func replayAfterACrashMarksTheRunningStepUnknown() async throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = RunJournal(stateDirectory: dir.path, runID: runID, host: "h1")
        let childPid = dir.appendingPathComponent("child.pid").path
        let ok = try ShellProcess.run(
            journal.append([.runStarted(header())])
                + "\n" + journal.library().definitions + journal.wrap(stepIndex: 0, name: "quick", kind: "shell", userScript: "true"))
        #expect(ok.status == 0)
        let step =
            journal.library().definitions
            + journal.wrap(
                stepIndex: 1, name: "git", kind: "git",
                userScript: "rollout_undo previous_commit abc123\nsh -c 'echo $$ > \"$1\"; exec sleep 30' sh \(ShellWord.quote(childPid))",
                pending: [.stepResult(index: 0, outcome: .ok, outputTail: "", at: Date())])
        // The host's shell dies between the step's start and its end (SIGKILL, as when a
        // connection drops and sshd kills the session), then the step's own process goes too.
        let crash = try ShellProcess.run(
            """
            sh -c \(ShellWord.quote(step)) &
            wrapper=$!
            i=0; while [ ! -s \(ShellWord.quote(childPid)) ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done
            kill -9 $wrapper
            kill -9 "$(cat \(ShellWord.quote(childPid)))"
            wait $wrapper
            """)
        #expect(crash.status == 137)
        let lines = try journalLines(journal)
        let record = try RunRecord.replay(journalLines: lines + ["{\"event\":\"step_res"])
        #expect(record.step(0)?.outcome == .ok)
        #expect(record.step(1)?.outcome == .unknown)
        #expect(record.step(1)?.endedAt == nil)
        #expect(record.step(1)?.undo == ["previous_commit": "abc123"])
        #expect(record.undoableSteps.map(\.index) == [1])
    }

    /// A TERM to the wrapper (a step timeout, Ctrl-C) reaches every group of the step's session:
    /// a command under GNU `timeout` (a group of its own) ends too, and the end is journalled.
    @Test func aSignalToTheWrapperEndsACommandUnderTimeout() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = RunJournal(stateDirectory: dir.path, runID: runID, host: "h1")
        let childPid = dir.appendingPathComponent("child.pid").path
        let step =
            journal.library().definitions
            + journal.wrap(
                stepIndex: 0, name: "migrate", kind: "shell",
                userScript: "timeout 60 sh -c 'echo $$ > \(childPid); exec sleep 60'")
        let result = try ShellProcess.run(
            """
            sh -c \(ShellWord.quote(step)) &
            wrapper=$!
            i=0; while [ ! -s \(ShellWord.quote(childPid)) ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done
            kill -TERM $wrapper
            wait $wrapper
            """)
        let pid = try #require(Int32(try String(contentsOfFile: childPid, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(pid, SIGKILL) }
        #expect(result.status == 124 || result.status == 143, "\(result.stderr)")
        var gone = false
        for _ in 0..<50 where !gone {
            gone = !ProcessTable.isRunning(pid)
            if !gone { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(gone, "the command under timeout outlived the TERM")
        #expect(try String(contentsOfFile: journal.path, encoding: .utf8).contains(#""event":"step_ended","index":0"#))
    }

    @Test func everyEventSurvivesItsJSONLine() throws {
        let at = Date(timeIntervalSince1970: 1_795_000_000.123)
        let events: [JournalEvent] = [
            .runStarted(header(at)),
            .stepStarted(index: 2, name: "n\u{1}\n\"", kind: "git", at: at),
            .undoRecorded(index: 2, undo: ["a": "b\"\\"]),
            .stepEnded(index: 2, exitCode: nil, at: at),
            .stepResult(index: 2, outcome: .changed, outputTail: "tail\u{7F}ü", at: at),
            .runFinished(status: .rollbackFailed, at: at),
        ]
        for event in events {
            #expect(try JournalEvent(jsonLine: event.jsonLine) == event)
            #expect(!event.jsonLine.contains("\n"))
        }
        let record = try RunRecord.replay(journalLines: events.map(\.jsonLine))
        #expect(record.status == .rollbackFailed)
        #expect(record.endedAt == at)
    }

    @Test func historyOrdersRunsOfOneSecondByTheirStartNotTheirRandomSuffix() {
        let second = 1_795_000_000.0
        func journal(_ id: String, startedAt offset: Double) -> String {
            let header = RunHeader(
                runID: RunID(id)!, playbook: "p", playbookHash: "sha256:abc", environment: "e", host: "h", user: "u",
                startedAt: Date(timeIntervalSince1970: second + offset))
            return "==> \(id)\n" + JournalEvent.runStarted(header).jsonLine + "\n"
        }
        // The later run has the smaller suffix.
        let output = journal("20261123T134501Z-ffff", startedAt: 0.100) + journal("20261123T134501Z-0001", startedAt: 0.900)
        let ids = RunHistory.records(fromOutput: output).records.map(\.runID.rawValue)
        #expect(ids == ["20261123T134501Z-ffff", "20261123T134501Z-0001"])
    }

    /// A runner killed outright leaves its record at `running`; history tells it from a live run
    /// by the lock: its lease lapsed, or the lock is gone or someone else's.
    @Test func historyShowsARunWhoseRunnerIsGoneAsInterrupted() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state").path
        let lock = DeployLock(stateDirectory: state)
        let takenAt = Date(timeIntervalSince1970: 1_795_000_000)
        let taken = try ShellProcess.run(lock.acquireScript(owner: "alice@laptop", runID: runID, host: "local1", lease: .seconds(60), now: takenAt))
        #expect(taken.status == 0, "\(taken.stderr)")
        let journal = RunJournal(stateDirectory: state, runID: runID, host: "local1")
        #expect(try ShellProcess.run(journal.append([.runStarted(header(takenAt))])).status == 0)

        let listed = try ShellProcess.run(RunHistory.listingScript(stateDirectory: state))
        let listing = RunHistory.listing(fromOutput: listed.stdout)
        let record = try #require(listing.records.first)
        #expect(listing.records.count == 1 && listing.unreadable.isEmpty)
        #expect(record.status == .running)
        #expect(RunHistory.shownStatus(of: record, lock: listing.lock, now: takenAt.addingTimeInterval(30)) == .running, "lease live")
        #expect(RunHistory.shownStatus(of: record, lock: listing.lock, now: takenAt.addingTimeInterval(61)) == .interrupted, "lease lapsed")

        let otherRun = LockHolder(owner: "bob@ci", runID: "20261123T140000Z-0001", host: "local1", startedAt: 0, leaseExpires: .max)
        #expect(RunHistory.shownStatus(of: record, lock: .held(otherRun), now: takenAt) == .interrupted, "someone else's lock")
        #expect(RunHistory.shownStatus(of: record, lock: .free, now: takenAt) == .interrupted, "lock cleared")
        #expect(RunHistory.shownStatus(of: record, lock: .held(nil), now: takenAt) == .running, "a lock being taken names no owner yet")
        var finished = record
        finished.status = .succeeded
        #expect(RunHistory.shownStatus(of: finished, lock: .free) == .succeeded)
    }

    @Test func replayRefusesAJournalWithoutItsStart() {
        #expect(throws: RunJournalError(problem: .missingStart)) {
            try RunRecord.replay(journalLines: [JournalEvent.runFinished(status: .succeeded, at: Date()).jsonLine])
        }
    }

    @Test func localStoreWritesPrettyPrivateJSONAndReadsItBack() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = LocalRunStore(directory: dir)
        var record = RunRecord(header: header(Date(timeIntervalSince1970: 1_795_000_000.5)))
        record.steps = [StepRecord(index: 0, name: "git", kind: "git", outcome: .changed, undo: ["previous_commit": "abc"])]
        let url = try store.save(record)
        #expect(url.lastPathComponent == "20261123T134501Z-3f9a-local1.json")
        #expect(try store.load(runID: runID, host: "local1") == record)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("\"run_id\" : \"20261123T134501Z-3f9a\""))
        #expect(text.contains("2026-"))
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try store.all().count == 1)
    }

    @Test func recordsNameTheUserAndMachine() {
        let user = RunRecord.currentUser(environment: ["USER": "alice"])
        #expect(user.hasPrefix("alice@"))
        #expect(user.count > "alice@".count)
    }

    @Test func runIDsSortByTimeAndRejectOtherText() {
        var rng = SystemRandomNumberGenerator()
        let early = RunID.generate(at: Date(timeIntervalSince1970: 1_795_000_000), using: &rng)
        let late = RunID.generate(at: Date(timeIntervalSince1970: 1_795_000_001), using: &rng)
        #expect(early < late)
        #expect(RunID(early.rawValue) == early)
        #expect(early.startTime == Date(timeIntervalSince1970: 1_795_000_000))
        #expect(RunID("../../etc") == nil)
        #expect(RunID("20261123T134501Z-3F9A") == nil)
    }
}
