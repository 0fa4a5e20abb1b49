import Foundation

/// A test server in a child process on 127.0.0.1: it prints the port it listens on as its first
/// line, and exits when its stdin closes, so it never outlives the test process. Killed when
/// released. A Python server finds the start they all share, Tests/Verifiers/loopback.py, on
/// its PYTHONPATH. Its start (a Python interpreter, seconds with the providers' libraries on a busy
/// machine) is awaited on a thread of its own, not on the cooperative pool (see `onOwnThread`).
final class LoopbackServerProcess: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let stdin: Pipe

    init(executable: URL, arguments: [String], environment: [String: String]? = nil) async throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = environment ?? ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = packageRoot.appendingPathComponent("Tests/Verifiers").path
        process.environment = environment
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.stdin = stdin
        let reader = stdout.fileHandleForReading
        let line = try await onOwnThread {
            var line = Data()
            while let byte = try reader.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line.append(byte)
            }
            return line
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw LoopbackHTTPServerError(output: String(decoding: line, as: UTF8.self))
        }
        self.port = port
    }

    deinit {
        // Children of the test process inherit a signal mask with SIGTERM blocked, so
        // `Process.terminate()` would never land: close stdin (the server exits on EOF) and kill.
        try? stdin.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
