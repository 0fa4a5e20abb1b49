import Foundation
import RolloutKit
import Testing

struct DeployLockTests {
    let runA = RunID("20261123T134501Z-aaaa")!
    let runB = RunID("20261123T134502Z-bbbb")!

    @Test func ofManySimultaneousAcquisitionsExactlyOneWins() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = DeployLock(stateDirectory: dir.appendingPathComponent("state").path)
        let contenders = 8
        var script = ""
        for i in 0..<contenders {
            let id = RunID("20261123T134501Z-000\(i)")!
            let acquire = lock.acquireScript(owner: "user\(i)@machine", runID: id, host: "local1", lease: .seconds(60))
            script +=
                "(sh -c \(ShellWord.quote(acquire)) > \(ShellWord.quote(dir.path))/out\(i) 2>&1; echo $? > \(ShellWord.quote(dir.path))/rc\(i)) &\n"
        }
        script += "wait\n"
        #expect(try ShellProcess.run(script).status == 0)
        var winners: [Int] = []
        var reportedHolders = Set<String>()
        for i in 0..<contenders {
            let rc = try String(contentsOf: dir.appendingPathComponent("rc\(i)"), encoding: .utf8)
            let out = try String(contentsOf: dir.appendingPathComponent("out\(i)"), encoding: .utf8)
            if rc == "0\n" {
                winners.append(i)
            } else {
                #expect(rc == "\(DeployLock.heldExitCode)\n", "\(out)")
                if case .held(let holder?) = DeployLock.state(fromOutput: out) { reportedHolders.insert(holder.owner) }
            }
        }
        #expect(winners.count == 1)
        // Losers that read owner.json (it may not be written yet) all name the winner.
        #expect(reportedHolders.isSubset(of: ["user\(winners.first ?? -1)@machine"]))
        let owner = lock.lockDirectory + "/owner.json"
        let mode = try FileManager.default.attributesOfItem(atPath: owner)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    /// `run --resume` takes its own stopped run's lock over: the new runner becomes its owner,
    /// and the old runner, should it wake up (a laptop asleep), can neither take a step nor
    /// release the lock.
    @Test func aTakeOverMakesTheLockTheNewRunnersAndFencesTheOldOne() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = DeployLock(stateDirectory: dir.path)
        #expect(try ShellProcess.run(lock.acquireScript(owner: "alice@laptop", runID: runA, host: "app1", lease: .seconds(60), pid: 111)).status == 0)
        #expect(try ShellProcess.run(lock.guardFunctions(runID: runA, lease: .seconds(60), pid: 111) + "rollout_check").status == 0)

        let takeOver = lock.acquireScript(owner: "bob@ci", runID: runA, host: "app1", lease: .seconds(60), takeOver: true, pid: 222)
        #expect(try ShellProcess.run(takeOver).status == 0)
        guard case .held(let holder?) = DeployLock.state(fromOutput: try ShellProcess.run(lock.inspectScript).stdout) else {
            Issue.record("lock not reported held")
            return
        }
        #expect(holder.owner == "bob@ci" && holder.pid == 222 && holder.runID == runA.rawValue)

        let stale = try ShellProcess.run(lock.guardFunctions(runID: runA, lease: .seconds(60), pid: 111) + "rollout_check")
        #expect(stale.status == Int32(DeployLock.heldExitCode))
        #expect(stale.stderr.contains("resumed by another runner"))
        #expect(try ShellProcess.run(lock.releaseScript(runID: runA.rawValue, host: "app1", pid: 111)).status == Int32(DeployLock.heldExitCode))
        #expect(try ShellProcess.run(lock.guardFunctions(runID: runA, lease: .seconds(60), pid: 222) + "rollout_check").status == 0)
        #expect(try ShellProcess.run(lock.releaseScript(runID: runA.rawValue, host: "app1", pid: 222)).status == 0)
        #expect(DeployLock.state(fromOutput: try ShellProcess.run(lock.inspectScript).stdout) == .free)
    }

    @Test func renewReleaseAndInspectRespectTheHolder() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = DeployLock(stateDirectory: dir.path)
        #expect(DeployLock.state(fromOutput: try ShellProcess.run(lock.inspectScript).stdout) == .free)
        let taken = try ShellProcess.run(lock.acquireScript(owner: "alice@laptop", runID: runA, host: "app1", lease: .seconds(5)))
        #expect(taken.status == 0)
        // The run's journal exists, private, so the first step's write starts no process.
        let journalPath = RunJournal(stateDirectory: dir.path, runID: runA, host: "app1").path
        let journalMode = try FileManager.default.attributesOfItem(atPath: journalPath)[.posixPermissions] as? NSNumber
        #expect(journalMode?.intValue == 0o600)

        let renewed = try ShellProcess.run("umask 022\n" + lock.guardFunctions(runID: runA, lease: .seconds(600)) + "rollout_renew")
        #expect(renewed.status == 0)
        let leaseMode = try FileManager.default.attributesOfItem(atPath: lock.lockDirectory + "/lease")[.posixPermissions] as? NSNumber
        #expect(leaseMode?.intValue == 0o600)
        guard case .held(let holder?) = DeployLock.state(fromOutput: try ShellProcess.run(lock.inspectScript).stdout) else {
            Issue.record("lock not reported held")
            return
        }
        #expect(holder.owner == "alice@laptop")
        #expect(holder.runID == runA.rawValue)
        #expect(holder.host == "app1")
        #expect(holder.leaseExpires >= holder.startedAt + 590)
        #expect(!holder.isLeaseLapsed(now: Date()))

        let stolen = try ShellProcess.run(lock.guardFunctions(runID: runB, lease: .seconds(600)) + "rollout_renew")
        #expect(stolen.status == DeployLock.heldExitCode)
        #expect(stolen.stderr.contains("no longer holds the deploy lock"))

        // A step whose prologue finds the lock lost does not run.
        let journal = RunJournal(stateDirectory: dir.path, runID: runB, host: "app1")
        let marker = dir.appendingPathComponent("ran").path
        let step = try ShellProcess.run(
            journal.library(guardFunctions: lock.guardFunctions(runID: runB, lease: .seconds(60))).definitions
                + journal.wrap(stepIndex: 0, name: "s", kind: "shell", userScript: "touch \(ShellWord.quote(marker))", guard: "rollout_renew"))
        #expect(step.status == DeployLock.heldExitCode)
        #expect(!FileManager.default.fileExists(atPath: marker))

        let wrongRelease = try ShellProcess.run(lock.releaseScript(runID: runB.rawValue, host: "app1"))
        #expect(wrongRelease.status == DeployLock.heldExitCode)
        #expect(FileManager.default.fileExists(atPath: lock.lockDirectory))
        #expect(try ShellProcess.run(lock.releaseScript(runID: runA.rawValue, host: "app1")).status == 0)
        #expect(!FileManager.default.fileExists(atPath: lock.lockDirectory))
        #expect(try ShellProcess.run(lock.releaseScript(runID: runA.rawValue, host: "app1")).status == 0)
    }

    @Test func waitingAcquisitionGetsTheLockOnceReleased() async throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = DeployLock(stateDirectory: dir.path)
        let transport = ShellTransport()
        try await lock.acquire(
            on: transport, owner: "alice@laptop", runID: runA, host: "app1", lease: .seconds(60),
            playbook: "deploy.yml", environment: "sandbox")
        let releaseScript = lock.releaseScript(runID: runA.rawValue, host: "app1")
        let releaser = Task.detached {
            try await Task.sleep(for: .milliseconds(300))
            return try ShellProcess.run(releaseScript).status
        }
        let holder = try await lock.acquire(
            on: transport, owner: "bob@ci", runID: runB, host: "app1", lease: .seconds(60),
            playbook: "deploy.yml", environment: "sandbox",
            wait: LockWaitPolicy(maxWait: .seconds(10), interval: .milliseconds(50)))
        #expect(try await releaser.value == 0)
        #expect(holder.owner == "bob@ci")
        #expect(holder.runID == runB.rawValue)
    }

    @Test func heldLockFailsWithAnErrorNamingTheHolderAndTheWayOut() async throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = DeployLock(stateDirectory: dir.path)
        let transport = ShellTransport()
        // A lease of an hour: on a machine busy with the rest of the suite this test has taken
        // longer than a minute, and a lapsed lease is reported differently.
        try await lock.acquire(
            on: transport, owner: "alice@laptop", runID: runA, host: "app1", lease: .seconds(3600),
            playbook: "deploy.yml", environment: "sandbox")
        let clock = SystemClock()
        let start = clock.now
        do {
            try await lock.acquire(
                on: transport, owner: "bob@ci", runID: runB, host: "app1", lease: .seconds(60),
                playbook: "deploy.yml", environment: "sandbox",
                wait: LockWaitPolicy(maxWait: .milliseconds(200), interval: .milliseconds(50)), clock: clock)
            Issue.record("acquired a held lock")
        } catch let error as LockHeldError {
            #expect(start.duration(to: clock.now) >= .milliseconds(200))
            #expect(error.holder?.owner == "alice@laptop")
            #expect(error.description.contains("held by alice@laptop (run \(runA))"))
            #expect(error.description.contains("lease is live"))
            #expect(error.description.contains("`rollout unlock deploy.yml -e sandbox`"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aLapsedLeaseIsCalledOutAsACrashedHolder() {
        let holder = LockHolder(owner: "alice@laptop", runID: runA.rawValue, host: "app1", startedAt: 1_795_000_000, leaseExpires: 1_795_000_120)
        let later = Date(timeIntervalSince1970: 1_795_000_120 + 600)
        #expect(holder.isLeaseLapsed(now: later))
        #expect(!holder.isLeaseLapsed(now: Date(timeIntervalSince1970: 1_795_000_100)))
        let error = LockHeldError(host: "app1", holder: holder, playbook: "deploy.yml", environment: "production", checkedAt: later)
        #expect(error.description.contains("lease lapsed 10 min ago"))
        #expect(error.description.contains("since 2026-11-18"))
        let ownerless = LockHeldError(host: "app1", holder: nil, playbook: "deploy.yml", environment: "production")
        #expect(ownerless.description.contains("rollout unlock deploy.yml -e production"))
    }

    /// `rollout unlock` shows the holder; advice to run `rollout unlock` would go in a circle.
    @Test func theSituationAloneGivesNoAdvice() {
        let holder = LockHolder(owner: "alice@laptop", runID: runA.rawValue, host: "app1", startedAt: 1_795_000_000, leaseExpires: 1_795_000_120)
        for checkedAt in [1_795_000_100, 1_795_000_720].map({ Date(timeIntervalSince1970: $0) }) {
            let error = LockHeldError(host: "app1", holder: holder, playbook: "deploy.yml", environment: "production", checkedAt: checkedAt)
            #expect(error.situation.hasPrefix("deploy lock on app1 is held by alice@laptop (run \(runA)) since 2026-11-18"))
            #expect(error.description.hasPrefix(error.situation))
            #expect(!error.situation.contains("rollout unlock") && !error.situation.contains("--lock-wait"), "\(error.situation)")
        }
        let ownerless = LockHeldError(host: "app1", holder: nil, playbook: "deploy.yml", environment: "production")
        #expect(ownerless.situation == "deploy lock on app1 is held but names no owner (a run crashed while taking it, or is taking it now)")
    }

    @Test func lockWaitParsesDurations() {
        #expect(LockWaitPolicy(parsing: "5m")?.maxWait == .seconds(300))
        #expect(LockWaitPolicy(parsing: "90")?.maxWait == .seconds(90))
        #expect(LockWaitPolicy(parsing: "soon") == nil)
        let policy = LockWaitPolicy(maxWait: .seconds(5), interval: .seconds(2))
        #expect(policy.delay(afterWaiting: .seconds(4)) == .seconds(1))
        #expect(policy.delay(afterWaiting: .seconds(5)) == nil)
    }
}
