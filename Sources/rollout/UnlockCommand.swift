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
            A lock whose lease is still live belongs to a run that is most likely still going: it \
            is left alone (exit 4) unless --force says you know its runner is gone (killed a \
            moment ago, so its lease has not lapsed yet).

            Examples:
              rollout unlock deploy.yml -e production
              rollout unlock deploy.yml -e production --limit app1 --yes
              rollout unlock deploy.yml -e production --force   # the runner was killed just now
            """
    )

    @OptionGroup var selection: PlaybookSelection

    @Option(help: ArgumentHelp("Only these hosts or groups (repeatable, or comma-separated).", valueName: "host"))
    var limit: [String] = []

    @Flag(help: "Remove the locks without asking.")
    var yes = false

    @Flag(help: "Also remove a lock whose lease is still live (its holder renewed it recently). Only when you know that run's runner is gone.")
    var force = false

    func run() async throws {
        let deployment = try selection.load()
        let hosts = try deployment.hosts(limitedTo: limit)
        var held: [(host: RolloutKit.Host, lock: DeployLock, transport: any Transport, holder: LockHolder?)] = []
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
                        LockHeldError(host: host.name, holder: holder, playbook: selection.playbook, environment: selection.environment).situation)
                    held.append((host, lock, transport, holder))
                }
            } catch {
                FileHandle.standardError.write(Data("rollout unlock: \(error)\n".utf8))
                throw ExitCode(RolloutExitCode.connectionFailed.rawValue)
            }
        }
        guard !held.isEmpty else { return }
        let live = held.filter { $0.holder.map { !$0.isLeaseLapsed() } ?? false }
        if !live.isEmpty && !force {
            for (host, _, _, holder) in live {
                guard let holder else { continue }
                FileHandle.standardError.write(
                    Data(
                        "rollout unlock: not removing the lock on \(host.name): run \(holder.runID) of \(holder.owner) renewed its lease, which is live for \(Int(holder.leaseExpiryDate.timeIntervalSinceNow)) s more, so that run is most likely still going. Wait for it to finish; if you know its runner is gone, add --force.\n"
                            .utf8))
            }
            throw ExitCode(RolloutExitCode.lockHeld.rawValue)
        }
        if !yes {
            guard isatty(0) == 1 else {
                FileHandle.standardError.write(
                    Data("rollout unlock: not removing anything without a terminal to ask on; add --yes if you are sure the holder is gone\n".utf8))
                throw ExitCode(RolloutExitCode.invalidInput.rawValue)
            }
            print(
                "Remove the lock on \(held.map { $0.host.name }.joined(separator: ", "))? Only do this if that run is not going on. [y/N] ",
                terminator: "")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("Nothing removed.")
                return
            }
        }
        for (host, lock, transport, _) in held {
            let result = try await transport.run(RemoteCommand(lock.forceReleaseScript), output: nil)
            print(result.succeeded ? "\(host.name): lock removed" : "\(host.name): could not remove the lock: \(result.stderrText)")
        }
    }
}
