import Foundation
import TestSupport
import Testing

/// `rollout help SUBCOMMAND`, as a user types it.
@Suite struct HelpCommandTests {
    @Test func helpOfASubcommandExplainsItWithExamples() async throws {
        let help = try await RolloutCLI.run(["help", "rollback"], in: FileManager.default.temporaryDirectory)
        #expect(help.status == 0, "\(help.all)")
        #expect(help.stdout.contains("Examples:"), "\(help.stdout)")
    }

    /// argument-parser printed the overview and exited 0: a script took a typo for success.
    @Test func helpOfNoSuchSubcommandIsInvalidInputWithASuggestion() async throws {
        let help = try await RolloutCLI.run(["help", "rollbak"], in: FileManager.default.temporaryDirectory)
        #expect(help.status == 2, "\(help.all)")
        #expect(help.stderr.contains("no subcommand 'rollbak' (did you mean 'rollback'?)"), "\(help.all)")
    }
}
