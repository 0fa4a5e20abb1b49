import Foundation
import TestSupport
import Testing

/// `rollout run --shard K/N` end to end: CI jobs that split one inventory between them run at
/// the same time against real sshd hosts, and the hosts' deploy locks keep a job that overlaps
/// another by mistake from touching a host twice.
@Suite(.serialized) struct ShardRunTests {
    @Test func twoShardsAtOnceDeployEachHostOnceAndAnOverlappingJobIsHeldOff() async throws {
        let sandbox = try await DeploySandbox(hostCount: 4)
        let root = sandbox.root.path
        // Each host its own state_dir, as four machines would have: one lock per host.
        try sandbox.write(
            "deploy.yml",
            """
            name: sharded
            inventory: inventory.yml
            state_dir: "\(root)/{{ host.name }}/state"
            vars: { job: none }
            steps:
              - name: Deploy
                shell: echo "{{ job }}" >> "\(root)/{{ host.name }}/deployed"; sleep 3
              - name: Done
                shell: touch "\(root)/{{ host.name }}/done"
            """)
        func file(_ host: Int, _ name: String) -> String { sandbox.hostDirectory(host).appendingPathComponent(name).path }
        // Sorted names h0 h1 h2 h3, dealt out in turn: shard 1/2 is h0 and h2, shard 2/2 h1 and h3.
        var overlapping: RolloutCLI.Output?
        var second: RolloutCLI.Output?
        var secondStartedWhileFirstRan = false
        let first = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--shard", "1/2", "--var", "job=first"]) { _ in
            let deadline = Date().addingTimeInterval(60)
            while !(FileManager.default.fileExists(atPath: file(0, "deployed")) && FileManager.default.fileExists(atPath: file(2, "deployed"))),
                Date() < deadline
            {
                Thread.sleep(forTimeInterval: 0.05)
            }
            // The same shard again by mistake, while the first job is inside its step.
            overlapping = try sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--shard", "1/2", "--var", "job=overlap"])
            secondStartedWhileFirstRan = !FileManager.default.fileExists(atPath: file(0, "done"))
            second = try sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--shard", "2/2", "--var", "job=second"])
        }
        let other = try #require(second)
        let overlap = try #require(overlapping)
        #expect(first.status == 0, "\(first.all)")
        #expect(other.status == 0, "\(other.all)")
        #expect(secondStartedWhileFirstRan, "the second shard started while the first was still deploying")
        #expect(overlap.status == 4, "\(overlap.all)")
        #expect(overlap.all.contains("nothing was changed"), "\(overlap.all)")
        for (host, job) in [(0, "first"), (1, "second"), (2, "first"), (3, "second")] {
            #expect(try String(contentsOfFile: file(host, "deployed"), encoding: .utf8) == "\(job)\n", "h\(host) deployed once, by its shard")
            #expect(FileManager.default.fileExists(atPath: file(host, "done")))
        }
        #expect(first.stdout.contains("[h0]") && first.stdout.contains("[h2]") && !first.stdout.contains("[h1]"), "\(first.stdout)")
    }

    @Test func aShardWithoutHostsSaysSoAndSucceeds() async throws {
        let sandbox = try await DeploySandbox(hostCount: 2)
        try sandbox.write(
            "deploy.yml",
            """
            name: sharded
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            steps:
              - shell: "true"
            """)
        let empty = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--shard", "3/3"])
        #expect(empty.status == 0, "\(empty.all)")
        #expect(empty.all.contains("shard 3/3 has no hosts"), "\(empty.all)")
        let invalid = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox", "--shard", "4/3"])
        #expect(invalid.status == 2, "\(invalid.all)")
        #expect(invalid.all.contains("--shard 4/3: expected K/N"), "\(invalid.all)")
    }
}
