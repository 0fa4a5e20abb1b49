import ArgumentParser
import Foundation
import RolloutKit

/// `rollout unlock PLAYBOOK -e ENV`: removes a stale deploy lock after showing who holds it.
struct UnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Remove a deploy lock left by a run that crashed, after showing its holder.",
        discussion: """
            Shows each host's lock: who took it, for which run, since when, and whether its lease \
            has lapsed (a live run renews its lease with every step, so a lapsed lease means the \
            holder is gone). Asks before removing anything; --yes skips the question, for scripts. \
            Never remove the lock of a run that is still going.

            Examples:
              rollout unlock deploy.yml -e production
              rollout unlock deploy.yml -e production --limit app1 --yes
            """
    )

    @OptionGroup var selection: PlaybookSelection

    @Option(help: ArgumentHelp("Only these hosts or groups (repeatable, or comma-separated).", valueName: "host"))
    var limit: [String] = []

    @Flag(help: "Remove the locks without asking.")
    var yes = false

    func run() async throws {
        let deployment = try selection.load()
        let hosts = try deployment.hosts(limitedTo: limit)
        var held: [(RolloutKit.Host, DeployLock, any Transport)] = []
        for host in hosts {
            let state = try StateDirectory.path(
                of: deployment.loaded.playbook, environment: deployment.environment, host: host,
                overrides: deployment.overrides, processEnvironment: deployment.processEnvironment)
            let lock = DeployLock(stateDirectory: state)
            let transport = deployment.connector.transport(for: host)
            do {
                switch try await lock.inspect(on: transport) {
                case .free:
                    print("\(host.name): not locked")
                case .held(let holder):
                    print(
                        LockHeldError(host: host.name, holder: holder, playbook: selection.playbook, environment: selection.environment).description)
                    held.append((host, lock, transport))
                }
            } catch {
                FileHandle.standardError.write(Data("rollout unlock: \(error)\n".utf8))
                throw ExitCode(RolloutExitCode.connectionFailed.rawValue)
            }
        }
        guard !held.isEmpty else { return }
        if !yes {
            guard isatty(0) == 1 else {
                FileHandle.standardError.write(
                    Data("rollout unlock: not removing anything without a terminal to ask on; add --yes if you are sure the holder is gone\n".utf8))
                throw ExitCode(RolloutExitCode.invalidInput.rawValue)
            }
            print(
                "Remove the lock on \(held.map { $0.0.name }.joined(separator: ", "))? Only do this if that run is not going on. [y/N] ",
                terminator: "")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("Nothing removed.")
                return
            }
        }
        for (host, lock, transport) in held {
            let result = try await transport.run(RemoteCommand(lock.forceReleaseScript), output: nil)
            print(result.succeeded ? "\(host.name): lock removed" : "\(host.name): could not remove the lock: \(result.stderrText)")
        }
    }
}
