import Foundation
import TestSupport
import Testing

/// The `git` step end to end: `rollout run` over a loopback sshd host clones and updates a
/// working copy from a bare repository on the same machine (file://, no network).
@Suite(.serialized) struct GitStepRunTests {
    /// A sandbox with a bare repository `origin.git` on host h0 whose `main` has one commit
    /// (app.txt = "v1"), readable by the host's login user.
    struct Repository {
        let sandbox: DeploySandbox
        var origin: String { sandbox.hostDirectory(0).appendingPathComponent("origin.git").path }
        var seed: String { sandbox.root.appendingPathComponent("seed").path }
        var app: String { sandbox.hostDirectory(0).appendingPathComponent("app").path }

        init() async throws {
            sandbox = try await DeploySandbox(hostCount: 1)
            try git(sandbox.root.path, ["init", "--quiet", "--bare", "-b", "main", origin])
            try git(sandbox.root.path, ["init", "--quiet", "-b", "main", seed])
            try git(seed, ["remote", "add", "origin", origin])
            try commit("v1")
        }

        /// Runs git in `directory` as the host's login user, who owns every repository here (git
        /// refuses repositories of another owner).
        @discardableResult
        func git(_ directory: String, _ arguments: [String]) throws -> String {
            try runLocal(
                "/usr/sbin/runuser",
                [
                    "-u", sandbox.user, "--", "/usr/bin/git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
                    "-C", directory,
                ] + arguments
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Commits app.txt = `text` on main, pushes it (and `tag`, annotated) to origin, returns the commit.
        @discardableResult
        func commit(_ text: String, tag: String? = nil) throws -> String {
            try text.write(toFile: seed + "/app.txt", atomically: true, encoding: .utf8)
            try git(seed, ["add", "app.txt"])
            try git(seed, ["commit", "--quiet", "-m", text])
            if let tag { try git(seed, ["tag", "-a", tag, "-m", tag]) }
            try git(seed, ["push", "--quiet", "--tags", "origin", "main"])
            // What git's dumb HTTP protocol reads (`GitHTTPServer`).
            try git(origin, ["update-server-info"])
            return try git(seed, ["rev-parse", "HEAD"])
        }

        var head: String { get throws { try git(app, ["rev-parse", "HEAD"]) } }
        var deployed: String { get throws { try String(contentsOfFile: app + "/app.txt", encoding: .utf8) } }

        /// Checks out `ref` into h0's app directory, records the step's fields (a plan shows
        /// where they go), then a smoke test that fails when `fail` is "yes".
        func run(ref: String, fail: Bool = false, command: String = "run") async throws -> RolloutCLI.Output {
            let note = #"echo "{{ code.previous_commit }} {{ code.commit }}" > "\#(sandbox.hostDirectory(0).path)/commits""#
            try sandbox.write(
                "deploy.yml",
                """
                name: git-test
                inventory: inventory.yml
                state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
                steps:
                  - name: Check out the code
                    git: { dir: "\(app)", repo: "file://\(origin)", ref: "\(ref)" }
                    register: code
                  - name: Note the commits
                    shell: \(note)
                  - name: Smoke test
                    shell: test "\(fail ? "yes" : "no")" = "no"
                """)
            return try await sandbox.rollout([command, "deploy.yml", "-e", "sandbox"])
        }

        var commits: String { get throws { try String(contentsOfFile: sandbox.hostDirectory(0).path + "/commits", encoding: .utf8) } }
    }

    @Test func clonesThenUpdatesToANewRef() async throws {
        let repository = try await Repository()
        let first = try repository.git(repository.seed, ["rev-parse", "HEAD"])
        let plan = try await repository.run(ref: "main", command: "plan")
        #expect(plan.status == 0, "\(plan.all)")
        #expect(plan.stdout.contains("<code.previous_commit> <code.commit>"), "a later step's use of the fields plans: \(plan.stdout)")
        #expect(
            plan.stdout.contains("clone file://\(repository.origin) into \(repository.app), check out main (\(first.prefix(12)))"), "\(plan.stdout)")
        #expect(!FileManager.default.fileExists(atPath: repository.app))

        let cloned = try await repository.run(ref: "main")
        #expect(cloned.status == 0, "\(cloned.all)")
        #expect(try repository.head == first)
        #expect(try repository.deployed == "v1")
        #expect(try repository.commits == "none \(first)\n")

        // A release tagged v2, and main already further on: the tag is what gets deployed.
        let second = try repository.commit("v2", tag: "v2")
        try repository.commit("v3")
        let update = try await repository.run(ref: "v2", command: "plan")
        #expect(update.status == 0, "\(update.all)")
        #expect(update.stdout.contains("\(repository.app): \(first.prefix(12)) → \(second.prefix(12)) (v2)"), "\(update.stdout)")
        #expect(try repository.head == first, "plan changed the checkout")

        let updated = try await repository.run(ref: "v2")
        #expect(updated.status == 0, "\(updated.all)")
        #expect(try repository.head == second)
        #expect(try repository.deployed == "v2")
        #expect(try repository.commits == "\(first) \(second)\n")

        let again = try await repository.run(ref: "v2")
        #expect(again.status == 0, "\(again.all)")
        #expect(again.stdout.contains("1/3 Check out the code — ok"), "\(again.stdout)")
    }

    @Test func aLaterFailurePutsThePreviousCommitAndBranchBack() async throws {
        let repository = try await Repository()
        // A fresh clone is removed again.
        let fresh = try await repository.run(ref: "main", fail: true)
        #expect(fresh.status == 1, "\(fresh.all)")
        #expect(!FileManager.default.fileExists(atPath: repository.app))

        // A working copy on its branch goes back to that branch at its commit.
        let first = try repository.git(repository.seed, ["rev-parse", "HEAD"])
        try repository.git(repository.sandbox.root.path, ["clone", "--quiet", repository.origin, repository.app])
        let second = try repository.commit("v2")
        let failed = try await repository.run(ref: "main", fail: true)
        #expect(failed.status == 1, "\(failed.all)")
        #expect(try repository.commits == "\(first) \(second)\n", "the step did check out the new commit")
        #expect(try repository.head == first)
        #expect(try repository.git(repository.app, ["symbolic-ref", "--short", "HEAD"]) == "main")
        #expect(try repository.deployed == "v1")
    }

    @Test func aDirtyWorkingTreeIsRefusedAndLeftAlone() async throws {
        let repository = try await Repository()
        let first = try repository.git(repository.seed, ["rev-parse", "HEAD"])
        #expect(try await repository.run(ref: "main").status == 0)
        try "hotfix on the server".write(toFile: repository.app + "/app.txt", atomically: true, encoding: .utf8)
        try repository.commit("v2")

        let plan = try await repository.run(ref: "main", command: "plan")
        #expect(plan.stdout.contains("\(repository.app) has uncommitted changes (app.txt): the run would refuse"), "\(plan.all)")
        let refused = try await repository.run(ref: "main")
        #expect(refused.status == 1, "\(refused.all)")
        #expect(
            refused.all.contains("\(repository.app) has uncommitted changes, nothing was changed: app.txt — commit, stash or discard them first"),
            "\(refused.all)")
        #expect(try repository.head == first)
        #expect(try repository.deployed == "hotfix on the server")
        // Not even fetched.
        #expect(try repository.git(repository.app, ["rev-parse", "origin/main"]) == first)
    }

    /// A private repository over HTTP with a token in `repo`: git gets the token from a
    /// credential helper, so no command line on the host shows it and the clone's
    /// `.git/config` does not keep it; plans and later fetches authenticate the same way, and a
    /// working copy whose origin URL holds the token (cloned before) still fetches with it.
    @Test func aTokenInTheRepositoryURLStaysOffCommandLinesAndOutOfTheClone() async throws {
        let repository = try await Repository()
        let sandbox = repository.sandbox
        let token = "git-token-\(UUID().uuidString)"
        let server = try await GitHTTPServer(root: sandbox.hostDirectory(0).path, user: "deploy", password: token)
        try sandbox.write(
            "deploy.yml",
            """
            name: git-token-test
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/{{ host.name }}/state"
            secrets:
              git_token: { env: GIT_TOKEN }
            steps:
              - name: Check out the code
                git: { dir: "\(repository.app)", repo: "http://deploy:{{ secrets.git_token }}@127.0.0.1:\(server.port)/origin.git", ref: main }
            """)
        final class Sightings: @unchecked Sendable { var lines: [String] = [] }
        let sightings = Sightings()
        func rollout(_ command: String) async throws -> RolloutCLI.Output {
            try await sandbox.rollout([command, "deploy.yml", "-e", "sandbox"], environment: ["GIT_TOKEN": token]) { child in
                while ProcessTable.isRunning(child.pid) {
                    sightings.lines += ProcessTable.commandLines().filter { $0.contains(token) }
                    usleep(10_000)
                }
            }
        }
        let first = try repository.git(repository.seed, ["rev-parse", "HEAD"])

        let plan = try await rollout("plan")
        #expect(plan.status == 0, "\(plan.all)")
        #expect(
            plan.stdout.contains(
                "clone http://deploy:***@127.0.0.1:\(server.port)/origin.git into \(repository.app), check out main (\(first.prefix(12)))"),
            "\(plan.all)")
        let cloned = try await rollout("run")
        #expect(cloned.status == 0, "\(cloned.all)")
        #expect(try repository.head == first)
        let config = try String(contentsOfFile: repository.app + "/.git/config", encoding: .utf8)
        #expect(!config.contains(token), "\(config)")
        #expect(config.contains("url = http://127.0.0.1:\(server.port)/origin.git"), "\(config)")

        let second = try repository.commit("v2")
        let update = try await rollout("plan")
        #expect(update.stdout.contains("\(repository.app): \(first.prefix(12)) → \(second.prefix(12)) (main)"), "\(update.all)")
        let updated = try await rollout("run")
        #expect(updated.status == 0, "\(updated.all)")
        #expect(try repository.head == second)
        #expect(sightings.lines.isEmpty, "\(sightings.lines)")
        for output in [plan, cloned, update, updated] { #expect(!output.all.contains(token)) }

        try repository.git(repository.app, ["remote", "set-url", "origin", "http://deploy:\(token)@127.0.0.1:\(server.port)/origin.git"])
        let third = try repository.commit("v3")
        let older = try await rollout("run")
        #expect(older.status == 0, "\(older.all)")
        #expect(try repository.head == third)
    }
}
