public import Foundation
public import RolloutKit
import Synchronization

/// A transport for the engine's in-process tests: it records every command, and runs each one
/// with `/bin/sh` on this machine (so the engine's lock, journal and undo scripts really run,
/// against a temporary directory) unless a scripted fault matches it first.
///
/// Faults stand for what a network and a host do to a deploy: a connection that drops before or
/// after the command ran, a command that hangs, an exit status or a signal the host reports.
public final class ScriptedTransport: Transport {
    /// What happens to a command that a rule matches.
    public enum Fault: Sendable {
        /// The host reports this exit status and output; nothing runs.
        case exit(Int32, stdout: String = "", stderr: String = "")
        /// The command is ended by this signal ("KILL"); nothing runs.
        case signal(String)
        /// The connection drops before the command reaches the host: nothing runs.
        case dropBeforeRunning
        /// The command runs to its end on the host, then the connection drops before its
        /// result arrives: the engine cannot know how it ended.
        case dropAfterRunning
        /// The command starts on the host, and the connection drops `after` it began while it
        /// still runs: as when sshd dies, the command is left running on its own.
        case dropWhileRunning(after: Duration)
        /// The command never ends: it times out when it has a timeout, otherwise it waits until
        /// the task is cancelled.
        case hang
        /// Calls `action` (to change the host behind the engine's back), then runs the command.
        case before(@Sendable () -> Void)
    }

    struct Rule {
        var matches: @Sendable (RemoteCommand) -> Bool
        var remaining: Int?
        var fault: Fault
    }

    public let endpoint: String
    private let local = LocalTransport()
    private let state = Mutex<(rules: [Rule], commands: [RemoteCommand], closes: Int)>(([], [], 0))

    public init(endpoint: String = "scripted") {
        self.endpoint = endpoint
    }

    /// Applies `fault` to the next `times` commands (every one when nil) whose script contains
    /// `text`. Rules are tried in the order they were added.
    public func on(_ text: String, times: Int? = 1, _ fault: Fault) {
        on(where: { $0.script.contains(text) }, times: times, fault)
    }

    /// Applies `fault` to the next `times` commands that `matches` accepts.
    public func on(where matches: @escaping @Sendable (RemoteCommand) -> Bool, times: Int? = 1, _ fault: Fault) {
        state.withLock { $0.rules.append(Rule(matches: matches, remaining: times, fault: fault)) }
    }

    /// Every command sent so far, in order.
    public var commands: [RemoteCommand] { state.withLock { $0.commands } }

    /// How many times the engine closed the connection.
    public var closes: Int { state.withLock { $0.closes } }

    public func run(_ command: RemoteCommand, output: (@Sendable (OutputChunk) -> Void)?) async throws -> CommandResult {
        let fault = state.withLock { state -> Fault? in
            state.commands.append(command)
            guard let index = state.rules.firstIndex(where: { $0.remaining != 0 && $0.matches(command) }) else { return nil }
            if let remaining = state.rules[index].remaining { state.rules[index].remaining = remaining - 1 }
            return state.rules[index].fault
        }
        switch fault {
        case nil:
            return try await local.run(command, output: output)
        case .exit(let status, let stdout, let stderr)?:
            return CommandResult(exitStatus: status, stdout: Array(stdout.utf8), stderr: Array(stderr.utf8))
        case .signal(let name)?:
            return CommandResult(exitStatus: nil, exitSignal: name)
        case .dropBeforeRunning?:
            throw TransportError.connectionLost(endpoint: endpoint, command: command.summary, reason: "scripted drop")
        case .dropAfterRunning?:
            _ = try await local.run(command, output: nil)
            throw TransportError.connectionLost(endpoint: endpoint, command: command.summary, reason: "scripted drop")
        case .dropWhileRunning(let after)?:
            let local = self.local
            Task.detached { _ = try? await local.run(command, output: nil) }
            try await Task.sleep(for: after)
            throw TransportError.connectionLost(endpoint: endpoint, command: command.summary, reason: "scripted drop")
        case .hang?:
            if let timeout = command.timeout {
                try await Task.sleep(for: timeout)
                throw TransportError.timedOut(endpoint: endpoint, command: command.summary, after: timeout)
            }
            while true { try await Task.sleep(for: .seconds(3600)) }
        case .before(let action)?:
            action()
            return try await local.run(command, output: output)
        }
    }

    public func upload(_ contents: [UInt8], to path: String, options: UploadOptions) async throws {
        try await local.upload(contents, to: path, options: options)
    }

    public func download(_ path: String, to destination: URL) async throws {
        try await local.download(path, to: destination)
    }

    public func readFile(_ path: String, limit: Int) async throws -> [UInt8] {
        try await local.readFile(path, limit: limit)
    }

    public func stat(_ path: String) async throws -> FileStatus? {
        try await local.stat(path)
    }

    public func close() async {
        state.withLock { $0.closes += 1 }
    }
}
