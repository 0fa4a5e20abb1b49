import Foundation
import RolloutKit
import Testing

/// A batch script run by a real `/bin/sh`: each step's output and status come back as its own,
/// the journal gets every step, and the batch stops at a failure.
struct StepBatchTests {
    let runID = RunID("20261123T134501Z-3f9a")!

    func member(_ index: Int, _ script: String, cwd: String? = nil, env: [String: String] = [:], continueOnFailure: Bool = false) -> StepBatch.Member
    {
        StepBatch.Member(
            index: index, name: "step \(index)", kind: "shell", command: RemoteCommand(script, cwd: cwd, environment: env),
            expectedExitCodes: [0], continueOnFailure: continueOnFailure)
    }

    func run(_ batch: StepBatch, in directory: URL) throws -> (results: [Int: CommandResult], journal: String, status: Int32) {
        let journal = RunJournal(stateDirectory: directory.appendingPathComponent("state").path, runID: runID, host: "h1")
        let header = RunHeader(
            runID: runID, playbook: "batch", playbookHash: "sha256:abc", environment: "test", host: "local",
            user: "tester@machine", startedAt: Date())
        let outcome = try ShellProcess.run(journal.library().definitions + batch.script(journal: journal, pending: [.runStarted(header)], guard: nil))
        let result = CommandResult(
            exitStatus: outcome.status, stdout: Array(outcome.stdout.utf8), stderr: Array(outcome.stderr.utf8), duration: .milliseconds(30))
        let lines = (try? String(contentsOfFile: journal.path, encoding: .utf8)) ?? ""
        let split = StepBatchOutput(batch: batch)
        split.receive(OutputChunk(stream: .stdout, bytes: result.stdout))
        split.receive(OutputChunk(stream: .stderr, bytes: result.stderr))
        return (split.results(duration: result.duration), lines, outcome.status)
    }

    @Test func eachStepGetsItsOwnOutputStatusAndSettings() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch = StepBatch(members: [
            member(0, "echo one; echo warn >&2"),
            member(1, "printf 'no newline'"),
            member(2, "pwd; echo \"$GREETING\"", cwd: dir.path, env: ["GREETING": "hello there"]),
            member(3, "exit 0"),
        ])
        let (results, journal, status) = try run(batch, in: dir)
        #expect(status == 0)
        #expect(results[0]?.stdoutText == "one\n")
        #expect(results[0]?.stderrText == "warn\n")
        #expect(results[1]?.stdoutText == "no newline")
        #expect(results[2]?.stdoutText == "\(dir.path)\nhello there\n")
        #expect(results[3]?.exitStatus == 0, "an `exit` ends its own step, not the batch")
        #expect(results.values.allSatisfy { $0.duration == .microseconds(7_500) })
        let record = try RunRecord.replay(journalLines: journal.split(separator: "\n"))
        #expect(record.steps.map(\.index) == [0, 1, 2, 3])
    }

    @Test func aFailingStepStopsTheBatchUnlessItsFailureIsIgnored() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch = StepBatch(members: [
            member(0, "echo first; exit 3", continueOnFailure: true),
            member(1, "echo second; exit 5"),
            member(2, "touch '\(dir.path)/never'"),
        ])
        let (results, journal, _) = try run(batch, in: dir)
        #expect(results[0]?.exitStatus == 3)
        #expect(results[1]?.exitStatus == 5)
        #expect(results[1]?.stdoutText == "second\n")
        #expect(results[2] == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("never").path))
        #expect(journal.contains("\"index\":1,\"exit_code\":5"))
        #expect(!journal.contains("\"index\":2"))
    }

    @Test func aThousandStepsGoAsOneScriptEachReportedAndJournalledOnItsOwn() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch = StepBatch(members: (0..<1000).map { member($0, "echo \($0)") })
        let (results, journal, status) = try run(batch, in: dir)
        #expect(status == 0)
        #expect(results.count == 1000)
        #expect((0..<1000).allSatisfy { results[$0]?.stdoutText == "\($0)\n" && results[$0]?.exitStatus == 0 })
        let record = try RunRecord.replay(journalLines: journal.split(separator: "\n"))
        #expect(record.steps.map(\.index) == Array(0..<1000))
        #expect(record.steps.allSatisfy { $0.exitCode == 0 && $0.name == "step \($0.index)" })
        // The bookkeeping is written once: each step adds about its own command to the script.
        let script = batch.script(journal: RunJournal(stateDirectory: dir.path, runID: runID, host: "h1"), pending: [], guard: nil)
        #expect(script.utf8.count < 1000 * 80)
    }

    @Test func outputThatLooksLikeAMarkerWithoutTheRandomPartIsKept() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch = StepBatch(members: [member(0, "echo; echo 'rollout-step-end- 0 1'"), member(1, "true")])
        let (results, _, _) = try run(batch, in: dir)
        #expect(results[0]?.stdoutText == "\nrollout-step-end- 0 1\n")
        #expect(results[0]?.exitStatus == 0)
    }

    /// Output streamed in any pieces, and more of it than a step keeps, still splits into
    /// its steps: each keeps the tail of its own output, counts what it dropped, and has its status.
    @Test func outputSplitsIntoStepsWhateverPiecesItArrivesIn() throws {
        let batch = StepBatch(members: [member(0, "a"), member(1, "b"), member(2, "c")])
        let stdout = Array(
            (String(repeating: "x", count: 300) + "\n\n\(batch.marker) 0 0\n" + "second\n\n\(batch.marker) 1 3\n" + "no newline"
                + "\n\(batch.marker) 2 0\n").utf8)
        for size in [1, 7, 64, stdout.count] {
            let split = StepBatchOutput(batch: batch, limit: 100)
            var offset = 0
            while offset < stdout.count {
                split.receive(OutputChunk(stream: .stdout, bytes: Array(stdout[offset..<min(offset + size, stdout.count)])))
                offset += size
            }
            split.receive(OutputChunk(stream: .stderr, bytes: Array("oops\n\n\(batch.marker) 1 3\n".utf8)))
            let results = split.results(duration: .milliseconds(30))
            #expect(results.count == 3, "pieces of \(size)")
            #expect(results[0]?.stdout == Array((String(repeating: "x", count: 99) + "\n").utf8))
            #expect(results[0]?.stdoutTruncatedBytes == 201)
            #expect(results[1]?.exitStatus == 3 && results[1]?.stdoutText == "second\n" && results[1]?.stderrText == "oops\n")
            #expect(results[2]?.stdoutText == "no newline")
            #expect(results[2]?.duration == .milliseconds(10))
        }
    }
}
