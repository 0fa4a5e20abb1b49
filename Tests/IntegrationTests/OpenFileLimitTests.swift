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
    @Test func aFleetLargerThanUlimitNIsRefusedClearlyNotHung() throws {
        let sandbox = try DeploySandbox(hostCount: 1)
        let root = sandbox.root.path
        let host = sandbox.hosts[0]
        // 60 inventory hosts on one sshd: one machine and login user, so one state_dir and lock.
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
        let out = root + "/limited.out"
        // `ulimit -n` in sh sets the hard limit too, so rollout cannot raise it.
        let child = try ChildProcess(
            "/bin/sh", ["-c", "ulimit -n 40 && exec \"$0\" \"$@\"", RolloutCLI.binary.path, "run", "fleet.yml", "-e", "sandbox"],
            environment: ["PATH": "/usr/bin:/bin", "HOME": root, "USER": "tester"], directory: root, stdout: out, stderr: out)
        let deadline = Date().addingTimeInterval(120)
        var raw: Int32 = 0
        var exited = false
        while Date() < deadline {
            if waitpid(child.pid, &raw, WNOHANG) == child.pid {
                exited = true
                break
            }
            usleep(50_000)
        }
        if !exited {
            child.send(SIGKILL)
            _ = child.wait()
        }
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(exited, "rollout hung out of file descriptors: \(output)")
        #expect((raw >> 8) & 0xff == 5, "exit 5, could not connect: \(output)")
        #expect(output.contains("limit of 40 open files (`ulimit -n`)"), "\(output)")
        #expect(output.contains("raise the limit"), "\(output)")
        #expect(output.components(separatedBy: "open files").count == 2, "one line for all the hosts it stopped: \(output)")
        #expect(output.contains("nothing was changed on any host"), "\(output)")
        #expect(!sandbox.allFiles().contains { $0.lastPathComponent.hasPrefix("touched-") })

        // No lock was left behind: the same run with the machine's limit deploys every host.
        let again = try sandbox.rollout(["run", "fleet.yml", "-e", "sandbox"])
        #expect(again.status == 0, "\(again.all)")
        #expect(sandbox.allFiles().filter { $0.lastPathComponent.hasPrefix("touched-") }.count == 60)
    }
}
