import Foundation

/// Before any step: every host connected and locked, or the run does not start.
extension Runner {
    enum Preparation {
        case ready([HostRun])
        /// The run cannot start; the hosts prepared so far are listed so their locks are released.
        case refused([HostRun], RolloutExitCode, [String])
    }

    func prepare(hosts: [Host]) async -> Preparation {
        let owner = RunRecord.currentUser(environment: processEnvironment)
        let runID = options.runID
        let gate = HandshakeGate()
        let outcomes = await fanOut(hosts) { host -> Result<HostRun, any Error> in
            // The connection opens with the first command, the lock's.
            let server = "\(host.address):\(host.port)"
            await gate.enter(server)
            let outcome = await connectAndLock(host, runID: runID, owner: owner)
            await gate.leave(server)
            return outcome
        }
        var runs: [HostRun] = []
        var lockMessages: [String] = []
        var connectMessages: [String] = []
        for (host, outcome) in zip(hosts, outcomes) {
            switch outcome {
            case .success(let run): runs.append(run)
            case .failure(let error as LockHeldError): lockMessages.append("\(error)")
            case .failure(let error as TransportError): connectMessages.append("\(error)")
            case .failure(let error): connectMessages.append("[\(host.name)] \(error)")
            }
        }
        if !connectMessages.isEmpty {
            return .refused(runs, .connectionFailed, Self.collapsed(connectMessages) + lockMessages + ["nothing was changed on any host"])
        }
        if !lockMessages.isEmpty {
            return .refused(runs, .lockHeld, lockMessages + ["nothing was changed on any host"])
        }
        return .ready(runs)
    }

    /// Each message once, in the order first seen, saying how many hosts it stands for: a fleet
    /// on one server that ran out of file descriptors gets one line, not one per host.
    private static func collapsed(_ messages: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for message in messages { counts[message, default: 0] += 1 }
        var seen: Set<String> = []
        return messages.compactMap { message in
            guard seen.insert(message).inserted else { return nil }
            let count = counts[message] ?? 1
            return count > 1 ? "\(message) (\(count) hosts)" : message
        }
    }

    /// The host's run, connected and holding the deploy lock (or only connected, under `--check`).
    private func connectAndLock(_ host: Host, runID: RunID, owner: String) async -> Result<HostRun, any Error> {
        do {
            let run = try makeRun(host: host, runID: runID)
            if options.check {
                _ = try await run.transport.run(RemoteCommand("true"), output: nil)
            } else {
                let header = RunHeader(
                    runID: runID, playbook: playbook.name, playbookHash: playbook.contentHash,
                    environment: environment.name, host: host.name, user: owner, startedAt: Date(), stepHashes: playbook.stepHashes)
                try await run.acquireLock(
                    owner: owner, header: header, playbook: options.playbookArgument,
                    environment: environment.name, wait: options.lockWait)
            }
            return .success(run)
        } catch {
            return .failure(error)
        }
    }

    /// Every step's `preflight` on the hosts it targets: what would stop it later, found while
    /// nothing has changed.
    func preflight(_ runs: [HostRun]) async -> [String] {
        var refusals: [String] = []
        for index in playbook.steps.indices {
            let definition = playbook.steps[index]
            var targets = await pendingTargets(of: index, among: runs)
            if definition.runOnce { targets = Array(targets.prefix(1)) }
            for target in targets {
                if let refusal = await target.preflight(member(index)) { refusals.append(refusal) }
            }
        }
        return refusals
    }

    /// The host's part of a run (not yet connected: its first command connects).
    func makeRun(host: Host, runID: RunID) throws -> HostRun {
        let scope = playbook.scope(
            for: host, in: environment, secrets: secrets, overrides: options.overrides,
            processEnvironment: processEnvironment, runID: runID.rawValue)
        let stateDirectory = try StateDirectory.path(
            of: playbook, environment: environment, host: host, overrides: options.overrides,
            processEnvironment: processEnvironment)
        let hostOutput = output.map { sink in { @Sendable (chunk: OutputChunk) in sink(host.name, chunk) } }
        return HostRun(
            host: host, transport: try connect(host), runID: runID, stateDirectory: stateDirectory, scope: scope,
            masker: masker, events: events, checkMode: options.check, output: hostOutput, clock: clock)
    }
}
