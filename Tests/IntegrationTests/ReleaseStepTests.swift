import Foundation
import TestSupport
import Testing

/// The `release` step against a real loopback sshd host: a directory uploaded as
/// `releases/<run id>/`, `current` switched to it, undone by switching back, old releases pruned.
@Suite(.serialized) struct ReleaseStepTests {
    /// Two steps: the release, then a smoke test that fails while `{{ dir }}/fail` exists.
    static func playbook(in sandbox: DeploySandbox, keep: Int) -> String {
        """
        name: release-test
        inventory: inventory.yml
        state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
        vars:
          dir: "\(sandbox.root.path)/{{ host.name }}"
        steps:
          - name: Release the app
            release: { src: build, dir: "{{ dir }}/app", keep_releases: \(keep) }
          - name: Smoke test
            shell: test ! -e "{{ dir }}/fail" && cat "{{ dir }}/app/current/app/version.txt"
        """
    }

    /// Writes the local `build/` directory a runbook would copy: app/ and migrations/.
    func build(_ sandbox: DeploySandbox, version: String) throws {
        let build = sandbox.root.appendingPathComponent("build")
        try? FileManager.default.removeItem(at: build)
        let deep = build.appendingPathComponent("app/" + String(repeating: "nested/", count: 16))
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: build.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        try Data("\(version)\n".utf8).write(to: build.appendingPathComponent("app/version.txt"))
        try Data("#!/bin/sh\necho \(version)\n".utf8).write(to: build.appendingPathComponent("app/run.sh"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: build.appendingPathComponent("app/run.sh").path)
        try Data("deep \(version)\n".utf8).write(to: deep.appendingPathComponent("file.txt"))
        try Data("CREATE TABLE t_\(version) (id int);\n".utf8).write(to: build.appendingPathComponent("migrations/001_init.sql"))
        try FileManager.default.createSymbolicLink(
            atPath: build.appendingPathComponent("app/latest.sql").path, withDestinationPath: "../migrations/001_init.sql")
    }

    func releases(_ sandbox: DeploySandbox) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sandbox.hostDirectory(0).appendingPathComponent("app/releases").path)
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    func current(_ sandbox: DeploySandbox) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.hostDirectory(0).appendingPathComponent("app/current").path)
    }

    func text(_ sandbox: DeploySandbox, _ path: String) throws -> String {
        try String(contentsOf: sandbox.hostDirectory(0).appendingPathComponent(path), encoding: .utf8)
    }

    @Test func deploySwitchUndoAndPruningThatKeepsTheReleasesCurrentAndAnUndoNeed() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write("deploy.yml", Self.playbook(in: sandbox, keep: 1))

        try build(sandbox, version: "v1")
        let first = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        try #require(first.status == 0, "\(first.all)")
        let v1 = try #require(try releases(sandbox).first)
        #expect(try releases(sandbox) == [v1] && current(sandbox) == "releases/\(v1)")
        #expect(try text(sandbox, "app/current/app/version.txt") == "v1\n")
        #expect(try text(sandbox, "app/current/app/" + String(repeating: "nested/", count: 16) + "file.txt") == "deep v1\n")
        #expect(try text(sandbox, "app/current/app/latest.sql") == "CREATE TABLE t_v1 (id int);\n", "the symbolic link is kept")
        #expect(try sandbox.snapshot(host: 0, "app/current/app/run.sh").mode == 0o755)
        #expect(try sandbox.snapshot(host: 0, "app/current/migrations/001_init.sql").owner == sandbox.user)

        // keep_releases: 1, yet the previous release stays: an undo of this run switches back to it.
        try build(sandbox, version: "v2")
        let second = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        try #require(second.status == 0, "\(second.all)")
        let v2 = try #require(try releases(sandbox).first { $0 != v1 })
        #expect(try releases(sandbox) == [v1, v2].sorted() && current(sandbox) == "releases/\(v2)")

        // A failing deploy: its release prunes v1 (neither current nor needed by an undo), then
        // the run is undone: current back to v2, the failed release removed.
        try build(sandbox, version: "v3")
        try sandbox.seed(host: 0, "fail", contents: "", mode: 0o644)
        let third = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        #expect(third.status != 0, "\(third.all)")
        #expect(try releases(sandbox) == [v2] && current(sandbox) == "releases/\(v2)", "\(third.all)")
        #expect(try text(sandbox, "app/current/app/version.txt") == "v2\n")

        // Rolling back the second run needs v1, which the third run pruned: said, not hidden.
        try FileManager.default.removeItem(at: sandbox.hostDirectory(0).appendingPathComponent("fail"))
        let rollback = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox", "--yes"])
        #expect(rollback.status != 0, "\(rollback.all)")
        #expect(rollback.all.contains("the release it pointed to before, releases/\(v1), is gone"), "\(rollback.all)")
        #expect(try current(sandbox) == "releases/\(v2)")
    }

    @Test func rollbackOfTheLastRunSwitchesBackAndTheFirstReleaseUndoRemovesCurrent() async throws {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write("deploy.yml", Self.playbook(in: sandbox, keep: 5))
        try build(sandbox, version: "v1")
        let plan = try await sandbox.rollout(["plan", "deploy.yml", "-e", "sandbox"])
        #expect(plan.status == 0 && plan.stdout.contains("build: 4 files, "), "\(plan.all)")
        #expect(plan.stdout.contains("switch \(sandbox.hostDirectory(0).path)/app/current to it, keep 5 releases"), "\(plan.all)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("app").path), "plan changes nothing")
        let first = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        try #require(first.status == 0, "\(first.all)")
        let v1 = try #require(try releases(sandbox).first)
        try build(sandbox, version: "v2")
        let second = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        try #require(second.status == 0, "\(second.all)")
        #expect(try releases(sandbox).count == 2 && text(sandbox, "app/current/app/version.txt") == "v2\n")

        let rollback = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox", "--yes"])
        #expect(rollback.status == 0, "\(rollback.all)")
        #expect(try current(sandbox) == "releases/\(v1)" && releases(sandbox) == [v1])
        #expect(try text(sandbox, "app/current/app/version.txt") == "v1\n")

        // The release is named after its run: undoing that first run leaves no current at all.
        let again = try await sandbox.rollout(["rollback", "deploy.yml", "-e", "sandbox", "--run", v1, "--yes"])
        #expect(again.status == 0, "\(again.all)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("app/current").path))
        #expect(try releases(sandbox) == [])
    }
}
