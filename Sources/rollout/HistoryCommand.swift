import ArgumentParser
import Foundation
import RolloutKit

/// `rollout history PLAYBOOK -e ENV`: the runs recorded on the hosts.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the runs recorded on the hosts, newest last.",
        discussion: """
            Reads the run journals each host keeps under the playbook's state_dir, so it shows \
            runs started from any machine. A run that stopped without a word (its runner killed, \
            its connection lost: it no longer holds the deploy lock with a live lease) shows as \
            'interrupted', with its changes possibly still in place: `rollout run --resume ID` \
            continues it, `rollout rollback` undoes it. A resumed run is one run: its line says \
            when it was resumed.

            Examples:
              rollout history deploy.yml -e production
              rollout history deploy.yml -e production --limit app1
            """
    )

    @OptionGroup var selection: PlaybookSelection

    @Option(help: ArgumentHelp("Only these hosts or groups (repeatable, or comma-separated).", valueName: "host"))
    var limit: [String] = []

    func run() async throws {
        let deployment = try selection.load()
        let hosts = try deployment.hosts(limitedTo: limit)
        var failed = false
        for host in hosts {
            let state = try StateDirectory.path(
                of: deployment.loaded.playbook, environment: deployment.environment, host: host,
                overrides: deployment.overrides, processEnvironment: deployment.processEnvironment)
            let transport = deployment.connector.transport(for: host)
            do {
                let result = try await transport.run(RemoteCommand(RunHistory.listingScript(stateDirectory: state)), output: nil)
                let listing = RunHistory.listing(fromOutput: result.stdoutText)
                print("\(host.name) (\(state)):")
                if listing.records.isEmpty { print("  no runs recorded") }
                for record in listing.records {
                    let changed = record.steps.filter { $0.outcome == .changed }.count
                    let failedSteps = record.steps.filter { $0.outcome == .failed || $0.outcome == .unknown }.map { "\($0.index + 1). \($0.name)" }
                    let status = RunHistory.shownStatus(of: record, lock: listing.lock)
                    var line =
                        "  \(record.runID)  \(status.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)) \(record.user)  \(record.steps.count == 1 ? "1 step" : "\(record.steps.count) steps"), \(changed) changed"
                    if !failedSteps.isEmpty { line += ", failed: \(failedSteps.joined(separator: "; "))" }
                    if !record.resumedAt.isEmpty {
                        line +=
                            ", resumed "
                            + record.resumedAt.map { $0.formatted(.iso8601.time(includingFractionalSeconds: false).timeSeparator(.colon)) + "Z" }
                            .joined(separator: ", ")
                    }
                    if status != record.status { line += " (stopped without a word: --resume or rollback it)" }
                    print(line)
                }
                for name in listing.unreadable { print("  \(name): journal unreadable") }
            } catch {
                failed = true
                FileHandle.standardError.write(Data("rollout history: \(error)\n".utf8))
            }
            await transport.close()
        }
        if failed { throw ExitCode(RolloutExitCode.connectionFailed.rawValue) }
    }
}
