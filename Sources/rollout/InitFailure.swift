import ArgumentParser
import Foundation
import RolloutKit

/// Why `rollout init` wrote nothing: invalid input, exit status 2.
struct InitFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }

    /// Prints `error: …` on stderr and gives the exit code to throw.
    func reported() -> ExitCode {
        FileHandle.standardError.write(Data("error: \(description)\n".utf8))
        return ExitCode(RolloutExitCode.invalidInput.rawValue)
    }
}
