import Foundation
import RolloutKit
import TestSupport

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
    /// Started through `ChildProcess` (clean signal mask): Foundation's `Process` hands the
    /// child the blocked signals of the Swift concurrency thread that starts it, SIGCHLD among
    /// them, and then a script's `wait` never returns.
    static func run(_ script: String) throws -> Outcome {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)").path
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)").path
        defer {
            unlink(out)
            unlink(err)
        }
        let exit = try ChildProcess("/bin/sh", ["-c", script], stdout: out, stderr: err).wait()
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
