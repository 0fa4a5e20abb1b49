public import Foundation

/// Runs the built `rollout` binary the way a user or CI does: no TTY, its own working directory
/// and environment; output through files so a large output cannot fill a pipe and block it.
public enum RolloutCLI {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// When the process ended, taken as `waitpid` returned: a test's own clock reading after
        /// `run` returns also counts the wait for a thread to resume the test on.
        public var exitedAt: ContinuousClock.Instant
        /// From the start of the process to its end.
        public var duration: Duration

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
    ///
    /// The run and `during` go on a thread of their own (see `onOwnThread`): the test's thread
    /// of the cooperative pool serves other tests meanwhile, and `during` polls and signals on
    /// time however busy that pool is. `during` may block (poll, sleep, run `rollout` again
    /// with the blocking `run`); it runs while the caller awaits, never beside it.
    public static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], launcher: [String] = [],
        whileRunning during: @escaping (ChildProcess) throws -> Void
    ) async throws -> Output {
        nonisolated(unsafe) let during = during
        return try await onOwnThread {
            try run(arguments, in: directory, environment: environment, launcher: launcher, whileRunning: during)
        }
    }

    /// The blocking `run`, for a `during` that starts another run while the first one goes on.
    public static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], launcher: [String] = [],
        whileRunning during: (ChildProcess) throws -> Void = { _ in }
    ) throws -> Output {
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
        let startedAt = ContinuousClock.now
        let child = try ChildProcess(
            command[0], Array(command.dropFirst()),
            environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path, "USER": "tester"].merging(environment) { $1 },
            directory: directory.path, stdout: out.path, stderr: err.path)
        do {
            try during(child)
        } catch {
            _ = child.wait()
            throw error
        }
        let status = child.wait()
        let exitedAt = ContinuousClock.now
        return Output(
            status: status,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
            exitedAt: exitedAt, duration: exitedAt - startedAt)
    }
}
