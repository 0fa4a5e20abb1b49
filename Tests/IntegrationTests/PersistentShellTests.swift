import Foundation
import RolloutKit
import TestSupport
import Testing

/// `SSHTransport` runs commands in one long-lived shell per connection: it must look to every
/// command exactly as if it had a shell of its own.
@Suite("Persistent shell", .serialized)
struct PersistentShellTests {
    func transport() async -> SSHTransport { SSHTransport(target: await SSHTestHost.shared.target()) }

    @Test("commands share one shell process, yet start from a clean directory and environment")
    func sharedButIsolated() async throws {
        let ssh = await transport()
        let first = try await ssh.run(RemoteCommand("cd /tmp && export LEFT_OVER=1 && echo $$"))
        let second = try await ssh.run(RemoteCommand("echo $$; pwd; echo ${LEFT_OVER-unset}"))
        let lines = second.stdoutText.split(separator: "\n").map(String.init)
        #expect(first.stdoutText == lines[0] + "\n", "the same shell ran both")
        #expect(lines[1] != "/tmp")
        #expect(lines[2] == "unset")
        let explicit = try await ssh.run(RemoteCommand("pwd; echo $V", cwd: "/usr", environment: ["V": "it's"]))
        #expect(explicit.stdoutText == "/usr\nit's\n")
    }

    /// Two runs' journal libraries define the same names with other paths: a command of the
    /// first, sent after one of the second, must not run with the second's definitions.
    @Test("a library's commands run with its own definitions, after another library's too")
    func librariesTakeTurns() async throws {
        let ssh = await transport()
        let first = ShellLibrary(definitions: "rollout_which() { echo first; }")
        let second = ShellLibrary(definitions: "rollout_which() { echo second; }")
        var seen: [String] = []
        for library in [first, second, first, first, second] {
            let result = try await ssh.run(RemoteCommand("rollout_which", library: library, runsInPlace: true))
            seen.append(result.stdoutText)
        }
        #expect(seen == ["first\n", "second\n", "first\n", "first\n", "second\n"])
    }

    @Test("a command that ends the shell itself reports how, and the next command gets a new shell")
    func shellKilled() async throws {
        let ssh = await transport()
        let before = try await ssh.run(RemoteCommand("echo $$")).stdoutText
        let killed = try await ssh.run(RemoteCommand("echo bye; kill -TERM $$"))
        #expect(killed.exitSignal == "TERM")
        #expect(killed.stdoutText == "bye\n")
        let after = try await ssh.run(RemoteCommand("echo $$; exit 4"))
        #expect(after.exitStatus == 4)
        #expect(after.stdoutText != before)
    }

    @Test("exit, syntax errors and unread stdin end only their own command")
    func failuresStayInTheirCommand() async throws {
        let ssh = await transport()
        #expect(try await ssh.run(RemoteCommand("exit 7")).exitStatus == 7)
        let syntax = try await ssh.run(RemoteCommand("if then fi"))
        #expect(syntax.exitStatus == 2)
        #expect(!syntax.stderr.isEmpty)
        let reader = try await ssh.run(RemoteCommand("cat; echo after-cat"))
        #expect(reader.stdoutText == "after-cat\n", "stdin is /dev/null, not the shell's command stream")
        #expect(try await ssh.run(RemoteCommand("echo still here")).stdoutText == "still here\n")
    }

    @Test("what a background process prints after its command ended reaches the next command")
    func lateOutputIsKept() async throws {
        let ssh = await transport()
        let quick = try await ssh.run(RemoteCommand("(sleep 0.3; echo late) & echo quick"))
        #expect(quick.stdoutText == "quick\n")
        try await Task.sleep(for: .milliseconds(600))
        let next = try await ssh.run(RemoteCommand("echo next"))
        #expect(next.stdoutText == "late\nnext\n")
    }

    @Test("300 commands in a row on one connection: each output and status its own")
    func manyCommands() async throws {
        let ssh = await transport()
        for index in 0..<300 {
            let result = try await ssh.run(RemoteCommand("printf %s \(index); printf e%s \(index) >&2; exit \(index % 5)"))
            #expect(result.stdoutText == "\(index)")
            #expect(result.stderrText == "e\(index)")
            #expect(result.exitStatus == Int32(index % 5))
        }
    }

    @Test("cancelling the waiting task kills the command; the next command gets a new shell")
    func cancellation() async throws {
        let ssh = await transport()
        let marker = "\(Int.random(in: 100_000...999_999)).25"
        let running = Task { try await ssh.run(RemoteCommand("sleep \(marker)")) }
        try await Task.sleep(for: .milliseconds(400))
        running.cancel()
        await #expect(throws: CancellationError.self) { _ = try await running.value }
        // The "host" is this machine, so its process table is ours to check.
        let left = try await runLocal("/bin/sh", ["-c", "pgrep -f 'slee[p] \(marker)' || true"])
        #expect(left.isEmpty, "still running: \(left)")
        #expect(try await ssh.run(RemoteCommand("echo ok")).stdoutText == "ok\n")
    }
}
