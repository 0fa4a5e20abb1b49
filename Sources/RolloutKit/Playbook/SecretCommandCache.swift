import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the commands that print secrets (`{ command: "op read op://…" }`, `pass show …`,
/// `vault kv get -field=… …`) on the machine running rollout, each at most once per run
/// however many files declare it: a password manager may ask to unlock, and a vault counts reads.
///
/// What a command prints is never shown: a failure reports its exit status and keeps its
/// stderr, with anything it printed on stdout masked out, for the resolver to quote the last
/// line of once it has masked the other secrets too.
final class SecretCommandCache: @unchecked Sendable {
    /// Longest a command may take (an unlock prompt nobody answers must not hang the run).
    static let timeout: Duration = .seconds(60)

    // Guarded by `lock`.
    private var results: [String: Result<String, SecretCommandFailure>] = [:]
    private let lock = NSLock()

    /// The value `command` prints, from the first time it ran in this run.
    func value(of command: String, environment: [String: String]) -> Result<String, SecretCommandFailure> {
        lock.withLock {
            if let known = results[command] { return known }
            let result = Self.run(command, environment: environment)
            results[command] = result
            return result
        }
    }

    private static func run(_ command: String, environment: [String: String]) -> Result<String, SecretCommandFailure> {
        let child = PipedProcess(executable: "/bin/sh", arguments: ["-c", command], environment: environment)
        var collected = CommandOutput(limit: 64 * 1024, callback: nil, processGroupHeader: false)
        let stop = PipedProcess.Stopping(terminate: { _, pid in kill(pid, SIGTERM) }, escalate: { _, pid in kill(pid, SIGKILL) })
        let outcome: PipedProcess.Outcome
        do {
            outcome = try child.run(input: [], collecting: &collected, deadline: .now + timeout, stopping: stop)
        } catch {
            return .failure(SecretCommandFailure("could not start /bin/sh: \(error)"))
        }
        let result = collected.result(exitStatus: nil, exitSignal: nil, duration: .zero)
        var value = result.stdoutText
        if value.hasSuffix("\n") || value.hasSuffix("\r\n") { value.removeLast() }
        let stderr = SecretMasker(secrets: [value]).mask(result.stderrText)
        switch outcome {
        case .exited(status: 0):
            guard !value.isEmpty else { return .failure(SecretCommandFailure("the command printed nothing on stdout", stderr: stderr)) }
            return .success(value)
        case .exited(let status):
            return .failure(SecretCommandFailure("the command exited with status \(status)", stderr: stderr))
        case .signalled(let name):
            return .failure(SecretCommandFailure("the command was killed by \(name)", stderr: stderr))
        case .stopped:
            return .failure(
                SecretCommandFailure(
                    "the command did not finish within \(Int(timeout.components.seconds)) s (is it waiting for a password? unlock the password manager first)"
                ))
        }
    }
}

/// Why a secret's command gave no value; never holds what the command printed on stdout.
struct SecretCommandFailure: Error {
    var message: String
    /// What the command printed on stderr, its stdout masked out; not yet masked of the other
    /// secrets, so not to be shown as it is.
    var stderr: String

    init(_ message: String, stderr: String = "") {
        self.message = message
        self.stderr = stderr
    }
}
