import ArgumentParser
import Foundation
import RolloutKit

/// `rollout lint FILE…`: checks playbooks, inventories and check suites without connecting.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check playbooks, inventories and check suites without connecting anywhere.",
        discussion: """
            Each file's kind is told from its top-level keys. Every problem is reported with its \
            file:line:column. Exit status: 0 when there are no errors (warnings allowed), 2 when \
            there are errors. Without -e, secrets and environment variables that are not set \
            on this machine are warnings; with -e they are errors, as they would be for a run.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Files to check.")
    var files: [String]

    @Option(
        name: .customShort("e"),
        help: ArgumentHelp("Also resolve playbooks against this environment of their inventory, e.g. -e staging.", valueName: "environment"))
    var environment: String?

    @Option(help: "Output: text (with source lines) or json (an array of diagnostics).")
    var format: Format = .text

    func run() throws {
        let diagnostics = Linter(environmentName: environment).lint(files)
        switch format {
        case .json:
            print(diagnostics.json())
        case .text:
            if diagnostics.all.isEmpty {
                print("\(files.count == 1 ? files[0] : "\(files.count) files"): no problems found")
            } else {
                FileHandle.standardError.write(Data((diagnostics.rendered() + "\n").utf8))
            }
        }
        if diagnostics.hasErrors { throw ExitCode(2) }
    }
}
