import ArgumentParser
import Foundation
import RolloutKit

@main
struct Rollout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Run deployment playbooks over SSH and HTTP, verify them, and undo them when they fail.",
        discussion: """
            Start from a runbook with `rollout import` or from a template with `rollout init`; \
            check with `rollout lint` and `rollout plan`, deploy with `rollout run`, undo with \
            `rollout rollback`, check a deployed environment from CI with `rollout verify`. \
            `rollout help SUBCOMMAND` explains each one with examples.

            Exit status, for every subcommand (for verify, 1 is a check that failed): 0 success · 1 a step failed and the previous state \
            was restored · 2 invalid input, nothing ran · 3 rollback failed or incomplete, a human \
            is needed · 4 deploy lock held · 5 could not connect or authenticate, nothing changed · \
            130 interrupted (after rollback).
            """,
        version: RolloutVersion.short,
        subcommands: [
            RunCommand.self, PlanCommand.self, RollbackCommand.self, HistoryCommand.self, UnlockCommand.self,
            VerifyCommand.self, LintCommand.self, SignCommand.self, InitCommand.self, ImportCommand.self, SchemaCommand.self,
        ]
    )

    /// Runs the command line, mapping a usage mistake to exit status 2 ("invalid input, nothing
    /// ran") rather than argument-parser's 64, so scripts see one code for bad input.
    static func main() async {
        // Handled before parsing so that only `--version` loads libcurl to ask its version.
        if CommandLine.arguments.dropFirst() == ["--version"] {
            print(RolloutVersion.full)
            return
        }
        // argument-parser answers `help NOSUCH` with the overview and exit 0, which a script
        // takes for success.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.count > 1, arguments[0] == "help", !arguments[1].hasPrefix("-") {
            let names = configuration.subcommands.compactMap { $0.configuration.commandName }
            if !names.contains(arguments[1]) {
                let suggestion = NameSuggestion.closest(to: arguments[1], in: names).map { " (did you mean '\($0)'?)" } ?? ""
                FileHandle.standardError.write(
                    Data("rollout: no subcommand '\(arguments[1])'\(suggestion); `rollout --help` lists them\n".utf8))
                Foundation.exit(RolloutExitCode.invalidInput.rawValue)
            }
        }
        // A reader that went away (`rollout history … | head -1`) makes writes fail rather than
        // kill the process: a rollback killed half-way left its lock held and its record cut.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(RolloutExitCode.invalidInput.rawValue)
            }
            exit(withError: error)
        }
    }
}
