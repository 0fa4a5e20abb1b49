import Foundation
import TestSupport

/// The outcome of running a program to completion.
struct CommandRun {
    let status: Int32
    let stdout: Data
    let stderr: Data

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// Runs `executable` with `arguments`, feeding `stdin`, with exactly `environment` (plus PATH).
    /// Both output pipes are drained while the program runs, so large outputs cannot deadlock it.
    /// Waits on a thread of its own, not on the shared cooperative pool (see `onOwnThread`).
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil
    ) async throws -> CommandRun {
        try await onOwnThread { try runBlocking(executable, arguments, environment: environment, stdin: stdin) }
    }

    private static func runBlocking(_ executable: URL, _ arguments: [String], environment: [String: String], stdin: Data?) throws -> CommandRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        // Threads of their own: blocking reads on Dispatch's small global pool starve other tests.
        for (pipe, store) in [(out, 0), (err, 1)] {
            group.enter()
            Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                if store == 0 { outData = data } else { errData = data }
                group.leave()
            }.start()
        }
        if let stdin { try input.fileHandleForWriting.write(contentsOf: stdin) }
        try input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return CommandRun(status: process.terminationStatus, stdout: outData, stderr: errData)
    }
}

/// The `rollout` executable of this build, and the Python of `.venv/` with the reference verifiers.
enum BuiltTools {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// `rollout` next to the test bundle (the build products directory), else `.build/debug/rollout`.
    static func rollout() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rollout"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rollout"),
            packageRoot.appendingPathComponent(".build/debug/rollout"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Missing(description: "the rollout binary is not built (looked in \(candidates.map(\.path))); run `swift build --build-tests` first")
        }
        return found
    }

    /// `.venv/bin/python`; its absence fails the test (CI always has it), never skips it.
    static func venvPython() throws -> URL {
        let python = packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Missing(description: "\(python.path) is missing: run scripts/python-env.sh to install stripe and paytr-python into .venv/")
        }
        return python
    }

    static let verifier = packageRoot.appendingPathComponent("Tests/Verifiers/verify_callback.py")
}
