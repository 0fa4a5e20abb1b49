import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A run keeps one connection per host open. When the machine runs out of file descriptors
/// first, the run stops with an error that says so and what to do, within seconds, having
/// changed nothing and leaving no lock behind.
@Suite(.serialized) struct OpenFileLimitTests {
    /// A sandbox whose inventory has 60 hosts on one sshd: one machine and login user, so one
    /// state_dir and lock, and 60 connections; each host's step touches a file of its own.
    func fleet() async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        let root = sandbox.root.path
        let host = sandbox.hosts[0]
        var inventory = "environments:\n  sandbox:\n    hosts:\n"
        for index in 0..<60 { inventory += "      h\(index): { address: 127.0.0.1, port: \(host.port), user: \(host.user) }\n" }
        inventory += "ssh: { identity: \(host.keyFile), known_hosts: known_hosts }\n"
        try sandbox.write("inventory.yml", inventory)
        try sandbox.write(
            "fleet.yml",
            """
            name: fleet
            inventory: inventory.yml
            state_dir: "\(root)/state"
            forks: 60
            steps:
              - shell: touch "\(root)/h0/touched-{{ host.name }}"
            """)
        return sandbox
    }

    func touched(_ sandbox: DeploySandbox) -> Int {
        sandbox.allFiles().filter { $0.lastPathComponent.hasPrefix("touched-") }.count
    }

    /// `rollout run fleet.yml` after the shell command `ulimit`; nil when it had not exited
    /// after 120 s (it is killed then).
    func runLimited(_ sandbox: DeploySandbox, ulimit: String) throws -> (status: Int32, output: String)? {
        let root = sandbox.root.path
        let out = root + "/limited.out"
        let child = try ChildProcess(
            "/bin/sh", ["-c", "ulimit \(ulimit) && exec \"$0\" \"$@\"", RolloutCLI.binary.path, "run", "fleet.yml", "-e", "sandbox"],
            environment: ["PATH": "/usr/bin:/bin", "HOME": root, "USER": "tester"], directory: root, stdout: out, stderr: out)
        let deadline = Date().addingTimeInterval(120)
        var raw: Int32 = 0
        while Date() < deadline {
            if waitpid(child.pid, &raw, WNOHANG) == child.pid {
                return ((raw >> 8) & 0xff, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
            }
            usleep(50_000)
        }
        child.send(SIGKILL)
        _ = child.wait()
        return nil
    }

    @Test func aFleetLargerThanUlimitNIsRefusedClearlyNotHung() async throws {
        let sandbox = try await fleet()
        // `ulimit -n` in sh sets the hard limit too, so rollout cannot raise it.
        let limited = try #require(try runLimited(sandbox, ulimit: "-n 40"), "rollout hung out of file descriptors")
        let output = limited.output
        #expect(limited.status == 5, "exit 5, could not connect: \(output)")
        #expect(output.contains("limit of 40 open files (`ulimit -n`)"), "\(output)")
        #expect(output.contains("raise the limit"), "\(output)")
        #expect(output.components(separatedBy: "open files").count == 2, "one line for all the hosts it stopped: \(output)")
        #expect(output.contains("nothing was changed on any host"), "\(output)")
        #expect(touched(sandbox) == 0)

        // No lock was left behind: the same run with the machine's limit deploys every host.
        let again = try await sandbox.rollout(["run", "fleet.yml", "-e", "sandbox"])
        #expect(again.status == 0, "\(again.all)")
        #expect(touched(sandbox) == 60)
    }

    @Test func aLowSoftLimitUnderAHighHardOneIsRaisedForTheFleet() async throws {
        let sandbox = try await fleet()
        let raised = try #require(try runLimited(sandbox, ulimit: "-S -n 40"), "rollout hung")
        #expect(raised.status == 0, "\(raised.output)")
        #expect(touched(sandbox) == 60)
    }
}
