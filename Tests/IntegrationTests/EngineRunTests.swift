import Foundation
import TestSupport
import Testing

/// `rollout run` end to end against real loopback sshd hosts: what a deploying engineer sees,
/// what the hosts look like afterwards, and the exit codes.
@Suite(.serialized) struct EngineRunTests {
    static let sentinel = "s3cr3t-SENTINEL-7f3a9c"

    /// Five steps: a command, an upload, a .env edit with a secret, a check that fails on the
    /// host named by `fail_on`, and a TCP wait.
    static func playbook(in sandbox: DeploySandbox) -> String {
        """
        name: engine-test
        inventory: inventory.yml
        state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
        vars:
          dir: "\(sandbox.root.path)/{{ host.name }}"
          fail_on: nobody
        secrets:
          api_key: { env: TEST_API_KEY }
        steps:
          - name: Say hello
            shell: echo "hello from {{ host.name }}"
          - name: Upload the config
            upload: { content: "listen {{ host.port }}\\n", dest: "{{ dir }}/app.conf", mode: "0640" }
          - name: Point the app at the new key
            set_env:
              file: "{{ dir }}/.env"
              values: { API_KEY: "{{ secrets.api_key }}", APP_REVISION: r2 }
          - name: Smoke test
            shell: test "{{ host.name }}" != "{{ fail_on }}"
          - name: sshd still answers
            wait_for: { tcp: "127.0.0.1:{{ host.port }}", within: 5s }
        """
    }

    func seededSandbox(hosts: Int) async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: hosts)
        try sandbox.write("deploy.yml", Self.playbook(in: sandbox))
        for index in 0..<hosts {
            try sandbox.seed(host: index, "app.conf", contents: "listen old\n", mode: 0o600)
            try sandbox.seed(host: index, ".env", contents: "# app settings\nAPI_KEY=old-key\nAPP_REVISION=r1\n", mode: 0o640)
        }
        return sandbox
    }

    /// The lines the file steps print for rollout (a replaced file's mode and owner) are not
    /// the step's output: not shown, not in a report, not in the host's record.
    @Test func theFileStepsOutputHoldsNoneOfRolloutsOwnLines() async throws {
        let sandbox = try await seededSandbox(hosts: 1)
        let output = try await sandbox.rollout(
            ["run", "deploy.yml", "-e", "sandbox", "--var", "fail_on=h0", "--json", "run.jsonl", "--verbose"],
            environment: ["TEST_API_KEY": Self.sentinel])
        #expect(output.status == 1, "\(output.all)")
        let report = try String(contentsOf: sandbox.root.appendingPathComponent("run.jsonl"), encoding: .utf8)
        let runs = sandbox.hostDirectory(0).appendingPathComponent("state/runs")
        let journals = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasSuffix(".jsonl") }
        let records = try journals.map { try String(contentsOf: runs.appendingPathComponent($0), encoding: .utf8) }.joined()
        #expect(records.contains("\"key\":\"mode\""), "the undo still knows the mode: \(records)")
        for (place, text) in [("the output", output.stdout), ("--json", report), ("the host's record", records)] {
            #expect(!text.contains("ROLLOUT_WAS"), "\(place): \(text)")
        }
    }

    @Test func fiveStepsOnTenHostsSucceed() async throws {
        let sandbox = try await seededSandbox(hosts: 10)
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"], environment: ["TEST_API_KEY": Self.sentinel])
        #expect(output.status == 0, "\(output.all)")
        for index in 0..<10 {
            let env = String(decoding: try sandbox.snapshot(host: index, ".env").bytes, as: UTF8.self)
            #expect(env == "# app settings\nAPI_KEY=\(Self.sentinel)\nAPP_REVISION=r2\n")
            let config = try sandbox.snapshot(host: index, "app.conf")
            #expect(config.mode == 0o640)
            #expect(config.owner == sandbox.user)
            #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(index).appendingPathComponent("state/lock").path))
        }
        #expect(output.stdout.contains("[h9] 5/5 sshd still answers"))
        // The local copy of every host's record, where `rollout rollback` on this machine looks.
        let runs = sandbox.root.appendingPathComponent(".rollout/runs")
        let copies = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasSuffix(".json") }
        #expect(copies.count == 10, "\(copies)")
        #expect(copies.allSatisfy { $0.contains("-h") })
    }

    @Test func aStepFailingOnOneHostUndoesEveryHost() async throws {
        let sandbox = try await seededSandbox(hosts: 10)
        let before = try (0..<10).map { (try sandbox.snapshot(host: $0, ".env"), try sandbox.snapshot(host: $0, "app.conf")) }
        let output = try await sandbox.rollout(
            ["run", "deploy.yml", "-e", "sandbox", "--var", "fail_on=h3", "--junit", "junit.xml"],
            environment: ["TEST_API_KEY": Self.sentinel])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("[h3] 4/5 Smoke test"))
        for index in 0..<10 {
            #expect(try sandbox.snapshot(host: index, ".env") == before[index].0, "host h\(index) .env")
            #expect(try sandbox.snapshot(host: index, "app.conf") == before[index].1, "host h\(index) app.conf")
            #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(index).appendingPathComponent("state/lock").path))
        }
        let junit = try String(contentsOf: sandbox.root.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.contains("<failure"))
    }

    @Test func aLimitThatNamesNoHostIsRefusedBeforeConnecting() async throws {
        let sandbox = try await seededSandbox(hosts: 2)
        let output = try await sandbox.rollout(
            ["run", "deploy.yml", "-e", "sandbox", "--limit", "h1,hO"],
            environment: ["TEST_API_KEY": Self.sentinel])
        #expect(output.status == 2, "\(output.all)")
        #expect(output.stderr.contains("--limit hO: no host or group of that name in environment 'sandbox'; did you mean 'h0'?"))
        #expect(try sandbox.snapshot(host: 1, ".env").bytes == Data("# app settings\nAPI_KEY=old-key\nAPP_REVISION=r1\n".utf8))
    }

    @Test func consecutiveShellStepsShareARoundTripYetAreReportedOneByOne() async throws {
        let sandbox = try await DeploySandbox(hostCount: 2)
        try sandbox.write(
            "batch.yml",
            """
            name: batch
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            steps:
              - shell: echo "one on {{ host.name }}"
              - name: Second
                shell: echo "two on {{ host.name }}" >&2; test "{{ host.name }}" != h1
              - shell: touch "\(sandbox.root.path)/{{ host.name }}/three"
            """)
        let output = try await sandbox.rollout(["run", "batch.yml", "-e", "sandbox", "--json", "events.jsonl"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("[h1] 2/3 Second — FAILED"))
        let events = try String(contentsOf: sandbox.root.appendingPathComponent("events.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains("step_finished") && $0.contains("\"h1\"") }
        let second = try #require(events.first { $0.contains("Second") })
        #expect(second.contains("two on h1"), "the failing step's own output: \(second)")
        #expect(!second.contains("one on h1"), "not the output of the step before it")
        #expect(!events.contains { $0.contains("three") }, "h1 stopped at its failure")
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(1).appendingPathComponent("three").path))
        let journal = try #require(sandbox.allFiles().first { $0.path.contains("/h1/state/runs/") && $0.pathExtension == "jsonl" })
        let lines = try String(contentsOf: journal, encoding: .utf8)
        #expect(lines.contains("\"event\":\"step_ended\",\"index\":1,\"exit_code\":1"))
        #expect(!lines.contains("\"index\":2"))
    }

    @Test func twoRunsAtOnceOnOneHostOnlyOneRunsTheOtherExits4() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        let started = sandbox.hostDirectory(0).appendingPathComponent("first-started").path
        try sandbox.write(
            "slow.yml",
            """
            name: slow
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/h0/state"
            steps:
              - shell: touch "\(started)"; sleep 2
            """)
        // The second run starts while the first is inside its step, however loaded the machine.
        var second: RolloutCLI.Output?
        let first = try await sandbox.rollout(["run", "slow.yml", "-e", "sandbox"]) { _ in
            let deadline = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: started), Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
            second = try sandbox.rollout(["run", "slow.yml", "-e", "sandbox"])
        }
        let loser = try #require(second)
        #expect(first.status == 0, "\(first.all)")
        #expect(loser.status == 4, "\(loser.all)")
        #expect(loser.all.contains("tester@"), "names the holder: \(loser.all)")
        #expect(loser.all.contains("rollout unlock"))
        #expect(loser.all.contains("nothing was changed"))
    }

    /// A command's colours, title and clipboard sequences reach `--verbose` as plain text, as
    /// they do the plain output: no escape byte gets to the terminal.
    @Test func verboseOutputCarriesNoTerminalEscapes() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write(
            "escapes.yml",
            """
            name: escapes
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/h0/state"
            steps:
              - name: Colourful
                shell: printf '\\033[31mred\\033[0m \\033]0;title\\007 \\033]52;c;cHduZWQ=\\033\\\\ done\\n'; exit 3
            """)
        let output = try await sandbox.rollout(["run", "escapes.yml", "-e", "sandbox", "--verbose"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stderr.contains("[h0] red   done"), "\(output.stderr)")
        #expect(!output.all.contains("\u{1B}"), "\(output.all.debugDescription)")
        #expect(!output.all.contains("title") && !output.all.contains("cHduZWQ"))
    }

    @Test func theSecretAppearsInNoOutputReportOrRecord() async throws {
        let sandbox = try await DeploySandbox(hostCount: 2)
        try sandbox.seed(host: 0, ".env", contents: "APP_REVISION=r1\n", mode: 0o600)
        try sandbox.seed(host: 1, ".env", contents: "APP_REVISION=r1\n", mode: 0o600)
        try sandbox.write(
            "leaky.yml",
            """
            name: leaky
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            secrets:
              token: { env: SENTINEL }
            steps:
              - name: Echo the secret everywhere
                register: echoed
                shell: |
                  echo "stdout {{ secrets.token }}"
                  echo "stderr {{ secrets.token }}" >&2
                  printf '%s' "{{ secrets.token }}" | sed 's/./&%/g'
              - name: Use what was registered
                shell: echo "again {{ echoed.stdout }}"
              - name: Write it to the env
                set_env: { file: "\(sandbox.root.path)/{{ host.name }}/.env", values: { TOKEN: "{{ secrets.token }}" } }
              - name: Fail loudly with it
                shell: echo "boom {{ secrets.token }}" >&2; exit 7
            """)
        let output = try await sandbox.rollout(
            ["run", "leaky.yml", "-e", "sandbox", "--verbose", "--json", "events.jsonl", "--junit", "junit.xml"],
            environment: ["SENTINEL": Self.sentinel])
        #expect(output.status == 1, "\(output.all)")
        #expect(!output.stdout.contains(Self.sentinel))
        #expect(!output.stderr.contains(Self.sentinel))
        #expect(output.all.contains("***"), "the masked value is shown as ***")
        let written = sandbox.allFiles().filter { !$0.path.hasSuffix("/.env") }
        #expect(written.contains { $0.lastPathComponent == "events.jsonl" })
        #expect(written.contains { $0.pathExtension == "jsonl" && $0.path.contains("/state/runs/") })
        for file in written {
            let bytes = (try? Data(contentsOf: file)) ?? Data()
            #expect(!String(decoding: bytes, as: UTF8.self).contains(Self.sentinel), "\(file.path) holds the secret")
        }
        // The run failed and was undone: the .env is back to the seeded one.
        #expect(String(decoding: try sandbox.snapshot(host: 0, ".env").bytes, as: UTF8.self) == "APP_REVISION=r1\n")
    }
}

/// `rollout rollback` undoes a finished run from the journals the hosts keep.
@Suite(.serialized) struct RollbackCommandTests {
    @Test func rollbackRestoresTheFilesOfTheLastSuccessfulRun() async throws {
        let sandbox = try await DeploySandbox(hostCount: 2)
        try sandbox.write("deploy.yml", EngineRunTests.playbook(in: sandbox))
        for index in 0..<2 {
            try sandbox.seed(host: index, "app.conf", contents: "listen old\n", mode: 0o600)
            try sandbox.seed(host: index, ".env", contents: "# app settings\nAPI_KEY=old-key\nAPP_REVISION=r1\n", mode: 0o640)
        }
        let before = try (0..<2).map { [try sandbox.snapshot(host: $0, ".env"), try sandbox.snapshot(host: $0, "app.conf")] }
        let environment = ["TEST_API_KEY": EngineRunTests.sentinel]
        let deploy = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"], environment: environment)
        try #require(deploy.status == 0, "\(deploy.all)")
        #expect(try sandbox.snapshot(host: 1, ".env") != before[1][0])

        let refused = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox"], environment: environment)
        #expect(refused.status == 2, "without a terminal it must not restore without --yes")
        #expect(refused.stdout.contains("Point the app at the new key"), "it shows what it would restore first")

        let rollback = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox", "--yes"], environment: environment)
        #expect(rollback.status == 0, "\(rollback.all)")
        for index in 0..<2 {
            #expect([try sandbox.snapshot(host: index, ".env"), try sandbox.snapshot(host: index, "app.conf")] == before[index])
        }
        let history = try await sandbox.rollout(["history", "deploy.yml", "-e", "sandbox"], environment: environment)
        #expect(history.stdout.contains("rolled_back"), "\(history.all)")
        #expect(!rollback.all.contains(EngineRunTests.sentinel))
    }

    /// `--run` naming an older run while a newer one is still in place: the preview names the
    /// newer run, whose changes to the same files go too.
    @Test func rollbackOfAnOlderRunNamesTheNewerRunStillInPlace() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write("deploy.yml", EngineRunTests.playbook(in: sandbox))
        try sandbox.seed(host: 0, ".env", contents: "API_KEY=old-key\nAPP_REVISION=r1\n", mode: 0o640)
        let runs = sandbox.hostDirectory(0).appendingPathComponent("state/runs")
        let first = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"], environment: ["TEST_API_KEY": "key-one"])
        try #require(first.status == 0, "\(first.all)")
        let firstID = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first).prefix { $0 != "." }
        let second = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"], environment: ["TEST_API_KEY": "key-two"])
        try #require(second.status == 0, "\(second.all)")
        let secondID = try #require(
            try FileManager.default.contentsOfDirectory(atPath: runs.path).map { $0.prefix { $0 != "." } }.first { $0 != firstID })

        let preview = try await sandbox.rollout(
            ["rollback", "deploy.yml", "-e", "sandbox", "--run", String(firstID)], environment: ["TEST_API_KEY": "x"])
        #expect(preview.status == 2, "\(preview.all)")
        #expect(preview.stdout.contains("undo run \(firstID)"), "\(preview.stdout)")
        #expect(preview.stdout.contains("newer run \(secondID) by "), "\(preview.stdout)")
        #expect(preview.stdout.contains("succeeded, is still in place: undoing \(firstID) puts back what was there before it"), "\(preview.stdout)")
        #expect(preview.stdout.contains("/.env as it was before the run, from "), "\(preview.stdout)")

        let latest = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox"], environment: ["TEST_API_KEY": "x"])
        #expect(latest.stdout.contains("undo run \(secondID)") && !latest.stdout.contains("newer run"), "\(latest.stdout)")
    }

    /// A shared `.env` linked into each release is common: set_env and upload write the link's
    /// target in place, the link stays a link, the target keeps its mode and owner, and both
    /// the failed run's undo and `rollout rollback` give back the target's exact bytes.
    @Test func symlinkedFilesAreWrittenThroughAndComeBackExactly() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        let host = sandbox.hostDirectory(0)
        for directory in ["shared", "release"] {
            try FileManager.default.createDirectory(at: host.appendingPathComponent(directory), withIntermediateDirectories: true)
            try await runLocal("/bin/chown", ["\(sandbox.user):", host.appendingPathComponent(directory).path])
        }
        try sandbox.seed(host: 0, "shared/.env", contents: "# shared settings\nAPP_REVISION=r1\n", mode: 0o640)
        try sandbox.seed(host: 0, "shared/app.conf", contents: "listen old\n", mode: 0o600)
        for name in [".env", "app.conf"] {
            try FileManager.default.createSymbolicLink(
                atPath: host.appendingPathComponent("release/\(name)").path, withDestinationPath: "../shared/\(name)")
        }
        try sandbox.write(
            "deploy.yml",
            """
            name: links
            inventory: inventory.yml
            state_dir: "\(host.path)/state"
            vars:
              fail: "no"
            steps:
              - set_env: { file: "\(host.path)/release/.env", values: { APP_REVISION: r2 } }
              - upload: { content: "listen new\\n", dest: "\(host.path)/release/app.conf" }
              - name: Smoke test
                shell: test "{{ fail }}" = no
            """)
        let before = [try sandbox.snapshot(host: 0, "shared/.env"), try sandbox.snapshot(host: 0, "shared/app.conf")]
        func expectLinksKept(_ moment: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            for name in [".env", "app.conf"] {
                let link = try? FileManager.default.destinationOfSymbolicLink(atPath: host.appendingPathComponent("release/\(name)").path)
                #expect(link == "../shared/\(name)", "release/\(name) is still the link \(moment)", sourceLocation: sourceLocation)
            }
        }

        let failed = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--var", "fail=yes"])
        #expect(failed.status == 1, "\(failed.all)")
        expectLinksKept("after the undo")
        #expect([try sandbox.snapshot(host: 0, "shared/.env"), try sandbox.snapshot(host: 0, "shared/app.conf")] == before)

        let deployed = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(deployed.status == 0, "\(deployed.all)")
        expectLinksKept("after the run")
        let env = try sandbox.snapshot(host: 0, "shared/.env")
        #expect(String(decoding: env.bytes, as: UTF8.self) == "# shared settings\nAPP_REVISION=r2\n")
        #expect(env.mode == 0o640 && env.owner == before[0].owner, "the target keeps its mode and owner")
        let conf = try sandbox.snapshot(host: 0, "shared/app.conf")
        #expect(String(decoding: conf.bytes, as: UTF8.self) == "listen new\n")
        #expect(conf.mode == 0o600 && conf.owner == before[1].owner)

        // The copies kept for the undo hold the .env's secrets: only their owner reads them.
        let history = host.appendingPathComponent("state/env-history")
        #expect(try FileManager.default.attributesOfItem(atPath: history.path)[.posixPermissions] as? Int == 0o700)
        for copy in try FileManager.default.contentsOfDirectory(atPath: history.path) {
            #expect(try FileManager.default.attributesOfItem(atPath: history.appendingPathComponent(copy).path)[.posixPermissions] as? Int == 0o600)
        }

        let rollback = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox", "--yes"])
        #expect(rollback.status == 0, "\(rollback.all)")
        expectLinksKept("after rollout rollback")
        #expect([try sandbox.snapshot(host: 0, "shared/.env"), try sandbox.snapshot(host: 0, "shared/app.conf")] == before)
    }

    /// A rollback whose undo sources are not all there undoes nothing: restoring half a
    /// deploy (the config back, the .env not) is worse than either state.
    @Test func aRollbackWithAnUndoSourceGoneChangesNothingAndSaysWhatIsGone() async throws {
        let sandbox = try await EngineRunTests().seededSandbox(hosts: 1)
        let environment = ["TEST_API_KEY": EngineRunTests.sentinel]
        let deploy = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"], environment: environment)
        try #require(deploy.status == 0, "\(deploy.all)")
        let deployed = [try sandbox.snapshot(host: 0, ".env"), try sandbox.snapshot(host: 0, "app.conf")]
        let history = sandbox.hostDirectory(0).appendingPathComponent("state/env-history")
        let copies = try FileManager.default.contentsOfDirectory(atPath: history.path)
        try #require(copies.count == 1)
        try FileManager.default.removeItem(at: history.appendingPathComponent(copies[0]))

        let rollback = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox", "--yes"], environment: environment)
        #expect(rollback.status == 3, "\(rollback.all)")
        #expect(
            rollback.all.contains("gone: \(history.appendingPathComponent(copies[0]).path) (step 3 'Point the app at the new key' restores from it)"),
            "\(rollback.all)")
        #expect(rollback.all.contains("nothing was changed on any host"), "\(rollback.all)")
        #expect([try sandbox.snapshot(host: 0, ".env"), try sandbox.snapshot(host: 0, "app.conf")] == deployed, "the upload was not undone either")
    }
}

/// Ctrl-C during a deploy: the command in flight finishes, then the run is undone.
@Suite(.serialized) struct InterruptTests {
    /// One host with an `.env` at r1 and `slow.yml`: set it to r2, a long step, one more step.
    func slowDeploy(longStepSeconds: Int) async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.seed(host: 0, ".env", contents: "APP_REVISION=r1\n", mode: 0o600)
        try sandbox.write(
            "slow.yml",
            """
            name: slow
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/h0/state"
            steps:
              - set_env: { file: "\(sandbox.root.path)/h0/.env", values: { APP_REVISION: r2 } }
              - name: Long migration
                shell: touch "\(sandbox.root.path)/h0/migration-started"; sleep \(longStepSeconds); echo finished > "\(sandbox.root.path)/h0/migration-done"
              - name: Never reached
                shell: touch "\(sandbox.root.path)/h0/never"
            """)
        return sandbox
    }

    /// Returns once the long step has started, however slowly the run got there.
    func waitForTheLongStep(in sandbox: DeploySandbox) {
        let started = sandbox.hostDirectory(0).appendingPathComponent("migration-started").path
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: started), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @Test func sigintFinishesTheCommandThenRollsBackAndExits130() async throws {
        let sandbox = try await slowDeploy(longStepSeconds: 2)
        let before = try sandbox.snapshot(host: 0, ".env")
        let output = try await sandbox.rollout(["run", "slow.yml", "-e", "sandbox"]) { process in
            waitForTheLongStep(in: sandbox)
            process.interrupt()
        }
        #expect(output.status == 130, "\(output.all)")
        #expect(output.all.contains("finishing the command in flight"))
        let host = sandbox.hostDirectory(0)
        #expect(FileManager.default.fileExists(atPath: host.appendingPathComponent("migration-done").path), "the command in flight finished")
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("never").path))
        #expect(try sandbox.snapshot(host: 0, ".env") == before)
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("state/lock").path))
    }

    /// SIGHUP (the terminal or the SSH session to the runner closed) and SIGTERM (a CI job
    /// cancelled) stop the run as one Ctrl-C does: the command in flight ends, everything is
    /// undone, the lock is released, and the record says interrupted.
    @Test(arguments: [SIGHUP, SIGTERM])
    func hangupAndTerminateAreOneOrderlyStop(signal: Int32) async throws {
        let sandbox = try await slowDeploy(longStepSeconds: 1)
        let before = try sandbox.snapshot(host: 0, ".env")
        let output = try await sandbox.rollout(["run", "slow.yml", "-e", "sandbox"]) { process in
            waitForTheLongStep(in: sandbox)
            process.send(signal)
        }
        #expect(output.status == 130, "\(output.all)")
        let host = sandbox.hostDirectory(0)
        #expect(FileManager.default.fileExists(atPath: host.appendingPathComponent("migration-done").path), "the command in flight finished")
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("never").path))
        #expect(try sandbox.snapshot(host: 0, ".env") == before)
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("state/lock").path))
        let history = try await sandbox.rollout(["history", "slow.yml", "-e", "sandbox"])
        #expect(history.stdout.contains("interrupted"), "\(history.all)")
    }

    /// `rollout run … | head -1`: when the output's reader is gone the run stops as one Ctrl-C
    /// does instead of dying of SIGPIPE with the lock held.
    @Test func aClosedOutputPipeIsAnOrderlyStop() async throws {
        let sandbox = try await slowDeploy(longStepSeconds: 1)
        let before = try sandbox.snapshot(host: 0, ".env")
        let status = sandbox.root.appendingPathComponent("status").path
        let pipeline =
            "set -o pipefail; '\(RolloutCLI.binary.path)' run slow.yml -e sandbox 2>stderr.txt | head -c 1 >/dev/null; echo ${PIPESTATUS[0]} > '\(status)'"
        _ = try await runLocal("/bin/bash", ["-c", "cd '\(sandbox.root.path)' && " + pipeline])
        let exit = try String(contentsOfFile: status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            exit == "130",
            "rollout exited \(exit): \((try? String(contentsOf: sandbox.root.appendingPathComponent("stderr.txt"), encoding: .utf8)) ?? "")")
        let host = sandbox.hostDirectory(0)
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("never").path))
        #expect(try sandbox.snapshot(host: 0, ".env") == before)
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("state/lock").path))
    }

    /// The second Ctrl-C exits at once; the printed recovery, followed as printed, restores the host.
    @Test func aSecondSigintExitsAtOnceAndItsRecoveryStepsWork() async throws {
        let sandbox = try await slowDeploy(longStepSeconds: 3)
        let before = try sandbox.snapshot(host: 0, ".env")
        let clock = ContinuousClock()
        var interruptedAt = clock.now
        let output = try await sandbox.rollout(["run", "slow.yml", "-e", "sandbox"]) { process in
            waitForTheLongStep(in: sandbox)
            interruptedAt = clock.now
            process.interrupt()
            Thread.sleep(forTimeInterval: 0.3)
            process.interrupt()
        }
        // Not 130: that means "interrupted, after a complete rollback"; here nothing was undone.
        #expect(output.status == 3, "\(output.all)")
        #expect(output.exitedAt - interruptedAt < .seconds(2), "did not wait for the 3 s step")
        #expect(output.all.contains("stopped at once"))
        #expect(try sandbox.snapshot(host: 0, ".env") != before, "nothing was undone yet")

        // The notice's steps, in its order.
        let lines = output.all.split(separator: "\n").map(String.init)
        let unlock = try #require(lines.first { $0.contains("2. clear the lock:") }?.components(separatedBy: "rollout ").last)
        let rollback = try #require(lines.first { $0.contains("3. undo the run:") }?.components(separatedBy: "rollout ").last)
        // The killed runner's lease is still live: a plain unlock refuses, naming the holder.
        let refused = try await sandbox.rollout(["unlock", "slow.yml", "-e", "sandbox", "--yes"])
        #expect(refused.status == 4, "\(refused.all)")
        #expect(refused.all.contains("most likely still going") && refused.all.contains("--force"), "\(refused.all)")
        #expect(FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("state/lock").path))
        #expect(unlock.hasSuffix("--force"), "the notice's unlock must pass --force: \(unlock)")
        let unlocked = try await sandbox.rollout(unlock.split(separator: " ").map(String.init) + ["--yes"])
        #expect(unlocked.status == 0, "\(unlocked.all)")
        let rolledBack = try await sandbox.rollout(rollback.split(separator: " ").map(String.init) + ["--yes"])
        #expect(rolledBack.status == 0, "\(rolledBack.all)")
        #expect(try sandbox.snapshot(host: 0, ".env") == before)
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("never").path))
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("state/lock").path))
    }

    /// A failed run that had a `shell` step without `undo:` does not claim the hosts are as before:
    /// the summary names that step as left in place.
    @Test func aFailedRunNamesTheStepsItCouldNotUndo() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        let host = sandbox.root.appendingPathComponent("h0").path
        try sandbox.seed(host: 0, ".env", contents: "A=0\n", mode: 0o600)
        try sandbox.write(
            "left.yml",
            """
            name: left
            inventory: inventory.yml
            state_dir: "\(host)/state"
            steps:
              - shell: touch "\(host)/created-by-shell"
              - set_env: { file: "\(host)/.env", values: { A: "1" } }
              - shell: "false"
            """)
        let before = try sandbox.snapshot(host: 0, ".env")
        let output = try await sandbox.rollout(["run", "left.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("Left in place (no undo):\n  [h0] 1/3 shell: touch"), "\(output.stdout)")
        #expect(output.stdout.contains("the steps left in place have no undo"), "\(output.stdout)")
        #expect(!output.stdout.contains("as they were before the run"), "\(output.stdout)")
        #expect(try sandbox.snapshot(host: 0, ".env") == before)
    }

    /// A run whose only change has no undo does not point at a rollback that would find nothing.
    @Test func aRunWithoutUndoableChangesSaysSoInsteadOfOfferingARollback() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        let host = sandbox.root.appendingPathComponent("h0").path
        try sandbox.write(
            "plain.yml",
            """
            name: plain
            inventory: inventory.yml
            state_dir: "\(host)/state"
            steps:
              - shell: touch "\(host)/created-by-shell"
            """)
        let output = try await sandbox.rollout(["run", "plain.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
        #expect(output.stdout.contains("Its changes have no undo"), "\(output.stdout)")
        #expect(!output.stdout.contains("To undo this run"), "\(output.stdout)")
    }

    /// A deployed run of two steps whose undos take a second each (`undo-2`, then `undo-1`).
    func slowUndoDeploy() async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        let host = sandbox.root.appendingPathComponent("h0").path
        try sandbox.write(
            "undo.yml",
            """
            name: undo
            inventory: inventory.yml
            state_dir: "\(host)/state"
            steps:
              - shell: "true"
                undo: sleep 1; touch "\(host)/undo-1"
              - shell: "true"
                undo: touch "\(host)/undo-2-started"; sleep 1; touch "\(host)/undo-2"
            """)
        let deploy = try await sandbox.rollout(["run", "undo.yml", "-e", "sandbox"])
        try #require(deploy.status == 0, "\(deploy.all)")
        return sandbox
    }

    /// `rollout rollback … | head -1`: the reader going away does not stop the rollback half-way.
    @Test func aClosedOutputPipeDoesNotStopARollback() async throws {
        let sandbox = try await slowUndoDeploy()
        let status = sandbox.root.appendingPathComponent("status").path
        let pipeline =
            "set -o pipefail; '\(RolloutCLI.binary.path)' rollback undo.yml -e sandbox --yes 2>stderr.txt | head -c 1 >/dev/null; echo ${PIPESTATUS[0]} > '\(status)'"
        _ = try await runLocal("/bin/bash", ["-c", "cd '\(sandbox.root.path)' && " + pipeline])
        let exit = try String(contentsOfFile: status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            exit == "0",
            "rollback exited \(exit): \((try? String(contentsOf: sandbox.root.appendingPathComponent("stderr.txt"), encoding: .utf8)) ?? "")")
        let host = sandbox.hostDirectory(0)
        #expect(FileManager.default.fileExists(atPath: host.appendingPathComponent("undo-1").path))
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("state/lock").path))
    }

    /// Ctrl-C during a rollback says it goes on, and it does, to its end; the lock is released.
    @Test func aSigintDuringARollbackLetsItFinish() async throws {
        let sandbox = try await slowUndoDeploy()
        let host = sandbox.hostDirectory(0)
        let output = try await sandbox.rollout(["rollback", "undo.yml", "-e", "sandbox", "--yes"]) { process in
            let started = host.appendingPathComponent("undo-2-started").path
            let deadline = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: started), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            process.interrupt()
        }
        #expect(output.status == 0, "\(output.all)")
        #expect(output.all.contains("the rollback goes on to its end"), "\(output.all)")
        #expect(FileManager.default.fileExists(atPath: host.appendingPathComponent("undo-1").path))
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("state/lock").path))
    }
}
