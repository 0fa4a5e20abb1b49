public import Foundation

/// Runs the built `rollout` binary the way a user or CI does: no TTY, its own working directory
/// and environment; output through files so a large output cannot fill a pipe and block it.
public enum RolloutCLI {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// stdout and stderr together, for assertions that do not care which one.
        public var all: String { stdout + stderr }
    }

    /// `.build/debug/rollout` of this checkout.
    public static var binary: URL { packageRoot.appendingPathComponent(".build/debug/rollout") }

    /// Runs `rollout arguments…` in `directory` with a minimal environment plus `environment`.
    public static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:]
    ) async throws -> Output {
        try await run(arguments, in: directory, environment: environment, whileRunning: { _ in })
    }

    /// Runs `rollout`, calling `during` with its process once it has started (to signal it).
    /// `launcher` goes in front of it (`ip netns exec NAME`: the run inside a network namespace).
    /// Waits for it off the shared cooperative pool (see `ChildProcess.wait()`).
    public static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], launcher: [String] = [],
        whileRunning during: (ChildProcess) async throws -> Void
    ) async throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw CommandFailed(command: binary.path, output: "not built; run: swift build --build-tests")
        }
        let scratch = FileManager.default.temporaryDirectory
        let out = scratch.appendingPathComponent("rollout-stdout-\(UUID().uuidString)")
        let err = scratch.appendingPathComponent("rollout-stderr-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let command = launcher + [binary.path] + arguments
        let child = try ChildProcess(
            command[0], Array(command.dropFirst()),
            environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path, "USER": "tester"].merging(environment) { $1 },
            directory: directory.path, stdout: out.path, stderr: err.path)
        do {
            try await during(child)
        } catch {
            _ = await child.wait()
            throw error
        }
        let status = await child.wait()
        return Output(
            status: status,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
