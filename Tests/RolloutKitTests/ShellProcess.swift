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

    /// Starts `script`; output goes to files so nothing can block on a full pipe.
    static func start(_ script: String, environment: [String: String]? = nil) throws -> (Process, URL, URL) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    static func run(_ script: String, environment: [String: String]? = nil) throws -> Outcome {
        let (process, out, err) = try start(script, environment: environment)
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
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
