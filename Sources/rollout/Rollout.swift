import ArgumentParser

@main
struct Rollout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Run deployment playbooks over SSH and HTTP, verify them, and undo them when they fail.",
        subcommands: [RunCommand.self, PlanCommand.self, RollbackCommand.self, LintCommand.self, SignCommand.self, HistoryCommand.self, UnlockCommand.self]
    )
}
