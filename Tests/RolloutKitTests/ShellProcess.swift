import Foundation
import RolloutKit

/// Runs real `/bin/sh` scripts for the tests, the way a host runs the engine's shell text.
enum ShellProcess {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `script` with `/bin/sh` and waits for it; output goes to files so nothing can
    /// block on a full pipe.
    ///
    /// Spawned with posix_spawn and an empty signal mask: Foundation's `Process` hands the
    /// child the blocked signals of the Swift concurrency thread that starts it, SIGCHLD among
    /// them, and then a script's `wait` never returns.
    static func run(_ script: String) throws -> Outcome {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)").path
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)").path
        defer {
            unlink(out)
            unlink(err)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGCHLD)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("sh"), strdup("-c"), strdup(script), nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(
            status: exit,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}

/// A `Transport` onto this machine through `/bin/sh`, enough for the lock's async API.
struct ShellTransport: Transport {
    struct Unsupported: Error {}

    var endpoint: String { "localhost" }

    func run(_ command: RemoteCommand, output: (@Sendable (OutputChunk) -> Void)?) async throws -> CommandResult {
        let script = command.script
        let outcome = try await Task.detached { try ShellProcess.run(script) }.value
        return CommandResult(exitStatus: outcome.status, stdout: Array(outcome.stdout.utf8), stderr: Array(outcome.stderr.utf8))
    }

    func upload(_ contents: [UInt8], to path: String, options: UploadOptions) async throws { throw Unsupported() }
    func download(_ path: String, to destination: URL) async throws { throw Unsupported() }
    func readFile(_ path: String, limit: Int) async throws -> [UInt8] { throw Unsupported() }
    func stat(_ path: String) async throws -> FileStatus? { throw Unsupported() }
    func close() async {}
}
