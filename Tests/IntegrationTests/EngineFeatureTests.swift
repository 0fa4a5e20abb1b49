import Foundation
import TestSupport
import Testing

/// The common step fields (`when`, `register`, `retries`, `timeout`, `ignore_failure`,
/// `run_once`, `on`) and the run's own knobs (`serial`, `max_fail_percentage`, `--limit`,
/// `--lock-wait`), each run end to end against real loopback sshd hosts.
@Suite(.serialized) struct EngineFeatureTests {
    /// A sandbox of `hosts` hosts with `deploy.yml`: the given top-level keys and steps, each
    /// host's state under its own directory and `{{ dir }}` naming that directory.
    func sandbox(hosts: Int, top: String = "", steps: String) async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: hosts)
        try sandbox.write(
            "deploy.yml",
            """
            name: features
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            \(top)
            vars:
              dir: "\(sandbox.root.path)/{{ host.name }}"
            steps:
            \(steps)
            """)
        return sandbox
    }

    func exists(_ sandbox: DeploySandbox, host: Int, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: sandbox.hostDirectory(host).appendingPathComponent(name).path)
    }

    func text(_ sandbox: DeploySandbox, host: Int, _ name: String) throws -> String {
        String(decoding: try sandbox.snapshot(host: host, name).bytes, as: UTF8.self)
    }

    func run(_ sandbox: DeploySandbox, _ extra: [String] = []) async throws -> RolloutCLI.Output {
        try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"] + extra)
    }

    // MARK: - when

    @Test func whenFalseSkipsTheStepAndWhenTrueRunsIt() async throws {
        let sandbox = try await sandbox(
            hosts: 1, top: "",
            steps: """
                  - name: Never
                    when: false
                    shell: touch "{{ dir }}/never"
                  - name: Always
                    when: "{{ host.name }}"
                    shell: touch "{{ dir }}/always"
                """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("[h0] 1/2 Never — skipped"), "\(output.stdout)")
        #expect(output.stdout.contains("[h0] 2/2 Always — changed"), "\(output.stdout)")
        #expect(!exists(sandbox, host: 0, "never"))
        #expect(exists(sandbox, host: 0, "always"))
    }

    @Test func whenComparesARegisteredValue() async throws {
        let sandbox = try await sandbox(
            hosts: 2,
            steps: """
                  - name: Ask
                    register: r
                    shell: if [ "{{ host.name }}" = h1 ]; then echo yes; else echo no; fi
                  - name: Only where yes
                    when: "{{ r.stdout }} == yes"
                    shell: touch "{{ dir }}/yes"
                  - name: Only where not yes
                    when: "{{ r.stdout }} != 'yes'"
                    shell: touch "{{ dir }}/no"
                """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("[h0] 2/3 Only where yes — skipped"), "\(output.stdout)")
        #expect(output.stdout.contains("[h1] 3/3 Only where not yes — skipped"), "\(output.stdout)")
        #expect(!exists(sandbox, host: 0, "yes") && exists(sandbox, host: 0, "no"))
        #expect(exists(sandbox, host: 1, "yes") && !exists(sandbox, host: 1, "no"))
    }

    // MARK: - register

    @Test func aRegisteredResultFeedsALaterStep() async throws {
        let sandbox = try await sandbox(
            hosts: 2,
            steps: """
                  - name: Produce
                    register: made
                    shell: echo "made on {{ host.name }}"; exit 3
                    expect_exit: [3]
                  - name: Consume
                    shell: echo "{{ made.stdout }}/{{ made.exit_code }}" > "{{ dir }}/seen"
                """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect(try text(sandbox, host: 0, "seen") == "made on h0/3\n")
        #expect(try text(sandbox, host: 1, "seen") == "made on h1/3\n")
    }

    // MARK: - retries

    /// A command that fails until its third attempt, counting attempts in a file.
    static let flaky = #"""
            shell: n=$(cat "{{ dir }}/attempts" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "{{ dir }}/attempts"; test $n -ge 3
        """#

    @Test func retriesRunAFailingCommandAgainUntilItSucceeds() async throws {
        let sandbox = try await sandbox(
            hosts: 1,
            steps: """
                  - name: Flaky
                    retries: 2
                    delay: 100ms
                \(Self.flaky)
                """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect(try text(sandbox, host: 0, "attempts") == "3\n")
    }

    @Test func tooFewRetriesFailTheRun() async throws {
        let sandbox = try await sandbox(
            hosts: 1,
            steps: """
                  - name: Flaky
                    retries: 1
                    delay: 100ms
                \(Self.flaky)
                """)
        let output = try await run(sandbox)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("[h0] 1/1 Flaky — FAILED"), "\(output.stdout)")
        #expect(try text(sandbox, host: 0, "attempts") == "2\n")
    }

    // MARK: - timeout

    @Test func aTimeoutKillsTheCommandAndFailsTheRun() async throws {
        // A sleep length no other process has: its command line is the marker.
        let marker = "sleep 30.\(Int.random(in: 100_000...999_999))"
        let sandbox = try await sandbox(
            hosts: 1,
            steps: """
                  - name: Hangs
                    timeout: 1s
                    shell: \(marker)
                """)
        let started = Date()
        let output = try await run(sandbox)
        let elapsed = Date().timeIntervalSince(started)
        #expect(output.status == 1, "\(output.all)")
        #expect(elapsed < 8, "took \(elapsed) s")
        #expect(output.stdout.contains("[h0] 1/1 Hangs — FAILED"), "\(output.stdout)")
        #expect(
            output.stdout.contains("`\(marker)` on ") && output.stdout.contains("ran longer than its timeout of 1s"),
            "the message names the step's own command: \(output.stdout)")
        #expect(output.stdout.contains("failed, previous state restored"), "\(output.stdout)")
        #expect(output.stdout.contains("Failed:\n  [h0] 1/1 Hangs"), "the summary lists the timed-out step: \(output.stdout)")
        let pgrep = Process()
        pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        pgrep.arguments = ["-f", marker]
        pgrep.standardOutput = FileHandle.nullDevice
        try pgrep.run()
        pgrep.waitUntilExit()
        #expect(pgrep.terminationStatus == 1, "a process running '\(marker)' is still alive")
    }

    // MARK: - ignore_failure

    @Test func anIgnoredFailureIsShownAndTheRunGoesOn() async throws {
        let sandbox = try await sandbox(
            hosts: 2,
            steps: """
                  - name: Optional cleanup
                    ignore_failure: true
                    shell: echo "cleanup broke on {{ host.name }}" >&2; exit 4
                  - name: Carry on
                    shell: touch "{{ dir }}/after"
                """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("[h1] 1/2 Optional cleanup — FAILED"), "\(output.stdout)")
        #expect(output.stdout.contains("cleanup broke on h1"), "\(output.stdout)")
        #expect(exists(sandbox, host: 0, "after") && exists(sandbox, host: 1, "after"))
    }

    // MARK: - run_once

    @Test func runOnceRunsOnExactlyOneHost() async throws {
        let sandbox = try await sandbox(
            hosts: 3,
            steps: """
                  - name: Migrate
                    run_once: true
                    shell: touch "{{ dir }}/migrated"
                  - name: Everywhere
                    shell: touch "{{ dir }}/everywhere"
                """)
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect((0..<3).filter { exists(sandbox, host: $0, "migrated") }.count == 1)
        #expect((0..<3).allSatisfy { exists(sandbox, host: $0, "everywhere") })
    }

    // MARK: - on

    @Test func onAGroupOrAHostRunsOnlyThere() async throws {
        let sandbox = try await sandbox(
            hosts: 3,
            steps: """
                  - name: Databases
                    on: db
                    shell: touch "{{ dir }}/db"
                  - name: First web host
                    on: h0
                    shell: touch "{{ dir }}/h0-only"
                  - name: Web group
                    on: [web]
                    shell: touch "{{ dir }}/web"
                """)
        try sandbox.writeInventory(groups: [["app", "web"], ["app", "db"], ["app", "db"]])
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect((0..<3).map { exists(sandbox, host: $0, "db") } == [false, true, true])
        #expect((0..<3).map { exists(sandbox, host: $0, "h0-only") } == [true, false, false])
        #expect((0..<3).map { exists(sandbox, host: $0, "web") } == [true, false, false])
    }

    // MARK: - serial and max_fail_percentage

    @Test func aFailureInASerialBatchStopsTheLaterBatches() async throws {
        let sandbox = try await sandbox(
            hosts: 3, top: "serial: 1",
            steps: """
                  - name: Configure
                    set_env: { file: "{{ dir }}/.env", values: { APP_REVISION: r2 } }
                  - name: Smoke test
                    shell: test "{{ host.name }}" != h1
                  - name: Done
                    shell: touch "{{ dir }}/done"
                """)
        for index in 0..<3 { try sandbox.seed(host: index, ".env", contents: "APP_REVISION=r1\n", mode: 0o600) }
        let before = try (0..<3).map { try sandbox.snapshot(host: $0, ".env") }
        let output = try await run(sandbox)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("[h1] 2/3 Smoke test — FAILED"), "\(output.stdout)")
        #expect(exists(sandbox, host: 0, "done"), "the first batch finished before h1 failed")
        #expect(!output.stdout.contains("[h2]"), "h2 ran no step: \(output.stdout)")
        #expect(!exists(sandbox, host: 2, "done"))
        #expect((0..<3).allSatisfy { (try? sandbox.snapshot(host: $0, ".env")) == before[$0] }, "every host restored")
    }

    @Test func aPercentageSerialMakesBatchesOfThatShareOfTheHosts() async throws {
        let sandbox = try await sandbox(
            hosts: 4, top: "serial: 50%",
            steps: """
                  - name: Smoke test
                    shell: test "{{ host.name }}" != h0
                  - name: Done
                    shell: touch "{{ dir }}/done"
                """)
        let output = try await run(sandbox)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("[h0] 1/2 Smoke test — FAILED"), "\(output.stdout)")
        #expect(
            (0..<4).map { exists(sandbox, host: $0, "done") } == [false, true, false, false],
            "h1 shares h0's batch of two; h2 and h3 are in the next one")
        #expect(!output.stdout.contains("[h2]") && !output.stdout.contains("[h3]"), "\(output.stdout)")
    }

    @Test func failuresWithinMaxFailPercentageAreUndoneAndTheRunGoesOn() async throws {
        let sandbox = try await sandbox(
            hosts: 4, top: "max_fail_percentage: 50",
            steps: """
                  - name: Configure
                    set_env: { file: "{{ dir }}/.env", values: { APP_REVISION: r2 } }
                  - name: Smoke test
                    shell: test "{{ host.name }}" != h2
                  - name: Done
                    shell: touch "{{ dir }}/done"
                """)
        for index in 0..<4 { try sandbox.seed(host: index, ".env", contents: "APP_REVISION=r1\n", mode: 0o600) }
        let before = try sandbox.snapshot(host: 2, ".env")
        let output = try await run(sandbox)
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("[h2] 2/3 Smoke test — FAILED"), "\(output.stdout)")
        #expect(output.stdout.contains("[h2] undo 1/3 Configure — restored"), "\(output.stdout)")
        #expect(try sandbox.snapshot(host: 2, ".env") == before, "the failed host's set_env is undone")
        #expect(output.stdout.contains("Failed:\n  [h2] 2/3 Smoke test\nUndone:\n  [h2] 1/3 Configure"), "\(output.stdout)")
        #expect(!exists(sandbox, host: 2, "done"))
        for index in [0, 1, 3] {
            #expect(try text(sandbox, host: index, ".env") == "APP_REVISION=r2\n")
            #expect(exists(sandbox, host: index, "done"))
        }
    }

    // MARK: - --limit

    @Test func limitRunsOnlyOnTheNamedHost() async throws {
        let sandbox = try await sandbox(
            hosts: 3,
            steps: """
                  - shell: touch "{{ dir }}/touched"
                """)
        let output = try await run(sandbox, ["--limit", "h0"])
        #expect(output.status == 0, "\(output.all)")
        #expect((0..<3).map { exists(sandbox, host: $0, "touched") } == [true, false, false])
        #expect(!output.stdout.contains("[h1]") && !output.stdout.contains("[h2]"), "\(output.stdout)")
    }

    // MARK: - --lock-wait

    @Test func lockWaitWaitsForTheRunHoldingTheLock() async throws {
        let sandbox = try await sandbox(
            hosts: 1,
            steps: """
                  - name: Hold the lock
                    shell: echo start >> "{{ dir }}/log"; touch "{{ dir }}/holding"; sleep 1; echo end >> "{{ dir }}/log"
                """)
        let holding = sandbox.hostDirectory(0).appendingPathComponent("holding").path
        var second: RolloutCLI.Output?
        let first = try await run(sandbox) { _ in
            let deadline = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: holding), Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
            second = try sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--lock-wait", "5s"])
        }
        #expect(first.status == 0, "\(first.all)")
        let waited = try #require(second)
        #expect(waited.status == 0, "\(waited.all)")
        #expect(try text(sandbox, host: 0, "log") == "start\nend\nstart\nend\n", "the second run's step began after the first run's ended")
    }

    func run(_ sandbox: DeploySandbox, _ extra: [String] = [], whileRunning during: @escaping (ChildProcess) throws -> Void) async throws
        -> RolloutCLI.Output
    {
        try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"] + extra, whileRunning: during)
    }
}
