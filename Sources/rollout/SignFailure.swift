import ArgumentParser
import Foundation

/// Why `rollout sign` stopped, as one line for stderr and the exit code DESIGN.md assigns.
struct SignFailure: Error, CustomStringConvertible {
    /// 1: the target answered, but not what `--expect`/`--expect-body` asked for.
    /// 2: invalid input, nothing was sent. 5: the target could not be reached.
    let exitCode: Int32
    let description: String

    static func invalidInput(_ message: String) -> SignFailure { SignFailure(exitCode: 2, description: message) }
    static func cannotConnect(_ message: String) -> SignFailure { SignFailure(exitCode: 5, description: message) }
    static func expectationFailed(_ message: String) -> SignFailure { SignFailure(exitCode: 1, description: message) }

    /// Prints `error: …` on stderr and gives the exit code to throw.
    func reported() -> ExitCode {
        FileHandle.standardError.write(Data("error: \(description)\n".utf8))
        return ExitCode(exitCode)
    }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a `SignFailure` into its one-line message and exit code.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as SignFailure {
            throw failure.reported()
        }
    }
}
