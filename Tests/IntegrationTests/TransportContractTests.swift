import Foundation
import RolloutKit
import TestSupport
import Testing

/// The transports under test, all held to the same contract.
enum TransportKind: String, CaseIterable, CustomTestStringConvertible {
    case ssh, openssh, local

    var testDescription: String { rawValue }

    func make(outputLimit: Int = 1 << 20) async -> any Transport {
        switch self {
        case .ssh: SSHTransport(target: await SSHTestHost.shared.target(), outputLimit: outputLimit)
        case .openssh: OpenSSHTransport(target: await SSHTestHost.shared.target(), outputLimit: outputLimit)
        case .local: LocalTransport(outputLimit: outputLimit)
        }
    }
}

/// Every chunk a command streamed, collected across threads.
final class ChunkLog: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var chunks: [OutputChunk] = []

    func append(_ chunk: OutputChunk) { lock.withLock { chunks.append(chunk) } }

    func bytes(_ stream: OutputStreamKind) -> [UInt8] {
        lock.withLock { chunks.filter { $0.stream == stream }.flatMap(\.bytes) }
    }
}

/// Counts streamed bytes without keeping them.
final class CountingSink: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var count = 0

    func add(_ chunk: OutputChunk) { lock.withLock { count += chunk.bytes.count } }
    var total: Int { lock.withLock { count } }
}

@Suite("Transport contract", .serialized)
struct TransportContractTests {
    @Test("exit status, stdout and stderr apart", arguments: TransportKind.allCases)
    func exitStatusAndStreams(kind: TransportKind) async throws {
        let log = ChunkLog()
        let result = try await kind.make().run(RemoteCommand("echo out; echo err >&2; exit 3"), output: log.append)
        #expect(result.exitStatus == 3)
        #expect(result.exitSignal == nil)
        #expect(result.stdoutText == "out\n")
        #expect(result.stderrText == "err\n")
        #expect(log.bytes(.stdout) == Array("out\n".utf8))
        #expect(log.bytes(.stderr) == Array("err\n".utf8))
    }

    // Not `.openssh`: the ssh client drops exit-signal and exits 255 (see OpenSSHTransport).
    @Test("a signal is reported, not thrown", arguments: [TransportKind.ssh, .local])
    func signal(kind: TransportKind) async throws {
        let result = try await kind.make().run(RemoteCommand("kill -TERM $$"), output: nil)
        #expect(result.exitSignal == "TERM")
        #expect(result.exitStatus == nil)
        #expect(!result.succeeded)
    }

    @Test("cwd and environment", arguments: TransportKind.allCases)
    func cwdAndEnvironment(kind: TransportKind) async throws {
        let value = "a b 'c' \"d\" $HOME `x` \\ é"
        let result = try await kind.make().run(
            RemoteCommand("pwd; printf '%s' \"$VALUE\"", cwd: "/usr/share", environment: ["VALUE": value]), output: nil)
        #expect(result.stdoutText == "/usr/share\n" + value)
        #expect(result.succeeded)
    }

    @Test("a missing cwd fails the command with the shell's message", arguments: TransportKind.allCases)
    func missingDirectory(kind: TransportKind) async throws {
        let result = try await kind.make().run(RemoteCommand("echo never", cwd: "/nonexistent/dir"), output: nil)
        #expect(result.exitStatus == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("/nonexistent/dir"))
    }

    @Test("10 MB of stdin arrive intact after the bootstrap", arguments: TransportKind.allCases)
    func largeStdin(kind: TransportKind) async throws {
        let input = (0..<(10 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let result = try await kind.make(outputLimit: 16 << 20).run(RemoteCommand("cat", stdin: input), output: nil)
        #expect(result.exitStatus == 0)
        #expect(result.stdout.count == input.count)
        #expect(result.stdout == input)
    }

    @Test("a command that ignores its stdin still ends", arguments: TransportKind.allCases)
    func unreadStdin(kind: TransportKind) async throws {
        let result = try await kind.make().run(RemoteCommand("exit 0", stdin: [UInt8](repeating: 65, count: 4 << 20)), output: nil)
        #expect(result.exitStatus == 0)
    }

    @Test("100 MB of output keep only a bounded tail", arguments: TransportKind.allCases)
    func boundedOutput(kind: TransportKind) async throws {
        let log = CountingSink()
        let total = 100 << 20
        let result = try await kind.make().run(
            RemoteCommand("head -c \(total) /dev/zero | tr '\\0' 'a'; printf END; printf E >&2"), output: log.add)
        #expect(result.exitStatus == 0)
        #expect(result.stdout.count == 1 << 20)
        #expect(result.stdoutTruncatedBytes == total + 3 - (1 << 20))
        #expect(result.stdout.suffix(4) == Array("aEND".utf8))
        #expect(result.stdout.dropLast(3).allSatisfy { $0 == UInt8(ascii: "a") })
        #expect(result.stderrText == "E")
        #expect(log.total == total + 4)
    }

    @Test("non-UTF-8 bytes and split characters pass through unchanged", arguments: TransportKind.allCases)
    func binaryOutput(kind: TransportKind) async throws {
        let log = ChunkLog()
        let result = try await kind.make(outputLimit: 4 << 20).run(
            RemoteCommand("printf '\\377\\376\\000x'; i=0; while [ $i -lt 20000 ]; do printf 'é€𝄞'; i=$((i+1)); done"),
            output: log.append)
        var expected: [UInt8] = [0xFF, 0xFE, 0x00, 0x78]
        for _ in 0..<20000 { expected += Array("é€𝄞".utf8) }
        #expect(result.stdout == expected)
        #expect(log.bytes(.stdout) == expected)
    }

    @Test("a timeout kills the whole process group", arguments: TransportKind.allCases)
    func timeoutKillsGroup(kind: TransportKind) async throws {
        let marker = "\(Int.random(in: 100_000...999_999)).5"
        let started = ContinuousClock.now
        await #expect(throws: TransportError.self) {
            _ = try await kind.make().run(
                RemoteCommand("sleep \(marker) & sleep \(marker); wait", timeout: .seconds(1)), output: nil)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        // The "host" is this machine, so its process table is ours to check.
        let left = try await runLocal("/bin/sh", ["-c", "pgrep -f 'slee[p] \(marker)' || true"])
        #expect(left.isEmpty, "still running: \(left)")
    }

    @Test("the timeout error names the command and is not 'outcome unknown'", arguments: TransportKind.allCases)
    func timeoutMessage(kind: TransportKind) async throws {
        do {
            _ = try await kind.make().run(RemoteCommand("sleep 5", timeout: .milliseconds(300)), output: nil)
            Issue.record("no timeout")
        } catch let error as TransportError {
            #expect(error.description.contains("`sleep 5`"))
            #expect(error.description.contains("timeout"))
            #expect(!error.outcomeUnknown)
        }
    }

    @Test("environment values and sensitive scripts never appear on a command line", arguments: TransportKind.allCases)
    func secretsStayOffCommandLines(kind: TransportKind) async throws {
        let secret = "s3cret-\(UUID().uuidString)"
        let token = "tok-\(UUID().uuidString)"
        let result = try await kind.make(outputLimit: 8 << 20).run(
            RemoteCommand(": \(token); ps -eo args; sleep 0.2; ps -eo args", environment: ["SECRET": secret], sensitive: true),
            output: nil)
        #expect(result.exitStatus == 0)
        #expect(result.stdoutText.contains("ps -eo args"))
        #expect(!result.stdoutText.contains(secret))
        #expect(!result.stdoutText.contains(token))
    }

    @Test("upload, stat, read and download keep bytes, mode and owner", arguments: TransportKind.allCases)
    func files(kind: TransportKind) async throws {
        let transport = await kind.make()
        let directory = "/tmp/rollout-files-\(UUID().uuidString)"
        _ = try await transport.run(RemoteCommand("mkdir -p \(directory)"), output: nil)
        let path = "\(directory)/app.env"
        let contents = Array("KEY=value\n".utf8) + [0, 0xFF, 0x80]
        #expect(try await transport.stat(path) == nil)

        try await transport.upload(contents, to: path, options: UploadOptions(mode: 0o640))
        var status = try #require(try await transport.stat(path))
        #expect(status.mode == 0o640)
        #expect(status.size == UInt64(contents.count))
        #expect(!status.isDirectory)
        #expect(try await transport.readFile(path, limit: 1024) == contents)

        // No mode given: the existing file's mode stays.
        try await transport.upload(Array("second\n".utf8), to: path, options: UploadOptions())
        status = try #require(try await transport.stat(path))
        #expect(status.mode == 0o640)
        #expect(try await transport.readFile(path, limit: 1024) == Array("second\n".utf8))

        // A new file without a mode gets 0644; an owner is applied.
        let owned = "\(directory)/owned"
        try await transport.upload([1, 2, 3], to: owned, options: UploadOptions(owner: "rollout-test"))
        status = try #require(try await transport.stat(owned))
        #expect(status.mode == 0o644)
        let uid = try await runLocal("/usr/bin/id", ["-u", "rollout-test"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(String(status.uid) == uid)

        let local = FileManager.default.temporaryDirectory.appendingPathComponent("download-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: local) }
        try await transport.download(path, to: local)
        #expect(try Data(contentsOf: local) == Data("second\n".utf8))

        await #expect(throws: TransportError.self) { _ = try await transport.readFile(path, limit: 3) }
        let listing = try await transport.run(RemoteCommand("ls -A \(directory)"), output: nil)
        #expect(listing.stdoutText == "app.env\nowned\n", "no temporary file is left behind")
        #expect(try await transport.stat(directory)?.isDirectory == true)
        _ = try await transport.run(RemoteCommand("rm -rf \(directory)"), output: nil)
    }

    @Test("a large upload arrives whole", arguments: TransportKind.allCases)
    func largeUpload(kind: TransportKind) async throws {
        let transport = await kind.make()
        let path = "/tmp/rollout-large-\(UUID().uuidString)"
        let contents = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await transport.upload(contents, to: path, options: UploadOptions(mode: 0o600))
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("dl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: local) }
        try await transport.download(path, to: local)
        #expect(try Data(contentsOf: local) == Data(contents))
        _ = try await transport.run(RemoteCommand("rm -f \(path)"), output: nil)
    }

    @Test("one transport serves concurrent callers", arguments: TransportKind.allCases)
    func concurrentCallers(kind: TransportKind) async throws {
        let transport = await kind.make()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let result = try await transport.run(RemoteCommand("echo \(i)"), output: nil)
                    #expect(result.stdoutText == "\(i)\n")
                }
            }
            try await group.waitForAll()
        }
    }
}
