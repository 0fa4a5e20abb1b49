import Foundation

/// Consecutive one-command steps in one round trip (see `StepBatch`).
extension HostRun {
    /// Sends `members` as one script. Returns each step's result by position; nil for the
    /// steps after a failure, which did not run. Falls back to one command per step when a step
    /// cannot render its command (its error is then reported by the step itself).
    func executeBatch(_ members: [Member]) async -> [StepRun?] {
        let scope = currentScope
        var batchMembers: [StepBatch.Member] = []
        for member in members {
            guard let step = member.definition.step as? any BatchableStep,
                let command = try? step.command(in: context(for: member, scope: scope, recorder: Recorder()))
            else {
                var results: [StepRun?] = []
                for member in members { results.append(await execute(member)) }
                return results
            }
            batchMembers.append(
                StepBatch.Member(
                    index: member.index, name: member.definition.name, kind: member.definition.kind, command: command,
                    expectedExitCodes: step.expectedExitCodes, continueOnFailure: member.definition.ignoreFailure))
        }
        let batch = StepBatch(members: batchMembers)
        for member in members { events.send(.stepStarted(host: host.name, step: member.info)) }
        let started = Date()
        let what = "the \(members.count) steps from '\(batchMembers[0].command.summary)' sent as one batch"
        let split = StepBatchOutput(batch: batch)
        let outcome: Result<CommandResult, any Error>
        do {
            outcome = .success(
                try await sendJournalled(naming: what, output: split.receive) { pending, guardFunction in
                    RemoteCommand(
                        batch.script(journal: journal, pending: pending, guard: guardFunction, startedAt: started), sensitive: batch.sensitive)
                })
        } catch {
            outcome = .failure(error)
        }
        let own: [Int: CommandResult]
        if case .success(let result) = outcome { own = split.results(duration: result.duration) } else { own = [:] }
        var results: [StepRun?] = []
        var stopped = false
        for member in members {
            guard !stopped else {
                results.append(nil)
                continue
            }
            let run: StepRun
            switch outcome {
            case .failure(let error as TransportError) where error.outcomeUnknown:
                run = StepRun(outcome: .unknown, failure: "\(error)")
                unknown.append(member)
                stopped = true
            case .failure(let error as StepError):
                run = StepRun(outcome: .failed, failure: error.message + (error.hint.map { " — \($0)" } ?? ""))
                stopped = true
            case .failure(let error):
                run = StepRun(outcome: .failed, failure: "\(error)")
                stopped = true
            case .success(let result):
                guard let own = own[member.index],
                    let step = member.definition.step as? any BatchableStep
                else {
                    if result.exitStatus != 0 {
                        run = StepRun(outcome: .failed, command: result, failure: CommandFailure.describe(result, masker: masker))
                        stopped = true
                        break
                    }
                    // The batch stopped before this step (Ctrl-C's stop file): it did not run.
                    results.append(nil)
                    stopped = true
                    continue
                }
                run = step.result(of: own, masker: masker)
                if run.outcome == .failed, !member.definition.ignoreFailure { stopped = true }
            }
            journalled.append(.stepStarted(index: member.index, name: member.definition.name, kind: member.definition.kind, at: started))
            journalled.append(.stepEnded(index: member.index, exitCode: run.command?.exitStatus, at: Date()))
            finish(member, run: run, started: started, duration: run.command?.duration ?? .zero, recorded: true)
            results.append(run)
        }
        return results
    }
}
