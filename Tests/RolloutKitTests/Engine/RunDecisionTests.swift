import RolloutKit
import Testing

/// The engine's decisions as pure values, tested as tables.
@Suite struct RunDecisionTests {
    @Test(arguments: [
        // interrupted, aborted, restored cleanly → exit code, status
        (false, false, true, RolloutExitCode.success, RunStatus.succeeded),
        (false, true, true, .restored, .rolledBack),
        (true, false, true, .interrupted, .interrupted),
        (true, true, true, .interrupted, .interrupted),
        (false, false, false, .rollbackIncomplete, .rollbackFailed),
        (false, true, false, .rollbackIncomplete, .rollbackFailed),
        (true, false, false, .rollbackIncomplete, .rollbackFailed),
    ])
    func theVerdictOfARun(interrupted: Bool, aborted: Bool, clean: Bool, exitCode: RolloutExitCode, status: RunStatus) {
        let verdict = RunVerdict(interrupted: interrupted, aborted: aborted, restoredCleanly: clean)
        #expect(verdict.exitCode == exitCode)
        #expect(verdict.status == status)
    }

    /// A plan changes nothing, so a step that would fail makes it "failed", never "rolled back".
    @Test func aPlanWithAFailingStepFailsWithoutClaimingARollback() {
        let plan = RunVerdict(interrupted: false, aborted: true, restoredCleanly: true, check: true)
        #expect(plan.exitCode == .restored)
        #expect(plan.status == .failed)
        #expect(RunVerdict(interrupted: false, aborted: false, restoredCleanly: true, check: true).status == .succeeded)
        #expect(RunVerdict(interrupted: true, aborted: false, restoredCleanly: true, check: true).status == .interrupted)
    }

    @Test func aHostThatFailedWithinTheToleranceIsRecordedAsRolledBack() {
        let verdict = RunVerdict(interrupted: false, aborted: false, restoredCleanly: true)
        #expect(verdict.status(ofHostThatFailed: true) == .rolledBack)
        #expect(verdict.status(ofHostThatFailed: false) == .succeeded)
        let failed = RunVerdict(interrupted: false, aborted: true, restoredCleanly: true)
        #expect(failed.status(ofHostThatFailed: false) == .rolledBack)
    }

    @Test(arguments: [
        // max %, outcomes, batch size, ignoring → exceeded
        (0, [StepOutcome.changed, .changed], 2, false, false),
        (0, [.changed, .failed], 2, false, true),
        (0, [.changed, .unknown], 2, false, true),
        (0, [.failed, .failed], 2, true, false),
        (25, [.failed, .changed, .changed, .changed], 4, false, false),
        (25, [.failed, .failed, .changed, .changed], 4, false, true),
        (50, [.failed, .changed], 2, false, false),
        (49, [.failed, .changed], 2, false, true),
        (100, [.failed, .failed], 2, false, false),
        (0, [.skipped, .ok], 2, false, false),
    ])
    func failureTolerance(max: Int, outcomes: [StepOutcome], batchSize: Int, ignoring: Bool, exceeded: Bool) {
        let tolerance = FailureTolerance(maxFailPercentage: max)
        #expect(tolerance.isExceeded(by: outcomes, batchSize: batchSize, ignoringFailures: ignoring) == exceeded)
    }

    @Test func aHostThatDidNotTakeTheStepIsNotAFailure() {
        let tolerance = FailureTolerance(maxFailPercentage: 0)
        #expect(!tolerance.isExceeded(by: [nil, .changed], batchSize: 2, ignoringFailures: false))
    }

    @Test func stepGrouping() {
        typealias C = StepGrouping.Candidate
        let hosts = ["h1", "h2"]
        #expect(
            StepGrouping.groupLength([C(batchable: true, hosts: hosts), C(batchable: true, hosts: hosts), C(batchable: false, hosts: hosts)]) == 2)
        #expect(StepGrouping.groupLength([C(batchable: false, hosts: hosts), C(batchable: true, hosts: hosts)]) == 1)
        #expect(StepGrouping.groupLength([C(batchable: true, hosts: hosts), C(batchable: true, hosts: ["h1"])]) == 1)
        #expect(StepGrouping.groupLength([C(batchable: true, hosts: hosts)]) == 1)
        #expect(
            StepGrouping.groupLength([C(batchable: true, hosts: hosts), C(batchable: true, hosts: hosts), C(batchable: true, hosts: hosts)]) == 3)
        #expect(StepGrouping.groupLength([]) == 1)
    }

    /// A registered result is known once its step ran: a step that reads one registered
    /// within the group starts a group of its own; one registered before the group, or a
    /// name nobody registered in it, does not.
    @Test func stepGroupingAroundRegisteredResults() {
        typealias C = StepGrouping.Candidate
        let hosts = ["h1"]
        let registering = C(batchable: true, hosts: hosts, registers: "r1")
        #expect(StepGrouping.groupLength([registering, C(batchable: true, hosts: hosts), registering]) == 3)
        #expect(StepGrouping.groupLength([registering, C(batchable: true, hosts: hosts, reads: ["r1"])]) == 1)
        #expect(StepGrouping.groupLength([C(batchable: true, hosts: hosts, reads: ["r1"]), registering]) == 2)
        #expect(
            StepGrouping.groupLength([
                C(batchable: true, hosts: hosts), registering, C(batchable: true, hosts: hosts, reads: ["vars", "host"]),
                C(batchable: true, hosts: hosts, reads: ["host", "r1"]),
            ]) == 3)
    }
}
