import Foundation
import TestSupport
import Testing

/// `rollout history` on a host that is this machine (`address: local`), so no sshd is needed.
@Suite struct HistoryCommandTests {
    @Test func aOneStepRunIsOneStep() async throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": "name: demo\ninventory: inventory.yml\nsteps:\n  - shell: \"true\"\n",
            "inventory.yml": "environments:\n  local:\n    hosts:\n      here: { address: local }\n",
        ])
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let run = try await RolloutCLI.run(["run", "deploy.yml", "-e", "local"], in: fixture.directory)
        try #require(run.status == 0, "\(run.all)")
        let history = try await RolloutCLI.run(["history", "deploy.yml", "-e", "local"], in: fixture.directory)
        #expect(history.status == 0, "\(history.all)")
        #expect(history.stdout.contains(" 1 step, 1 changed"), "\(history.stdout)")
    }
}
