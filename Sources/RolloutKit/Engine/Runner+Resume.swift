import Foundation

/// `rollout run --resume RUN`: continues a run that stopped (its runner killed, its connection
/// lost) under the same run ID, from what each host's journal of the run says (`ResumePlan`).
///
/// The run keeps its ID, journal and lock: the hosts' records gain a second `run_started`
/// marked `resumed`, the lock's owner becomes this process, and the steps done before the stop
/// stay in the run's changes, so a failure after the resumption undoes the whole run, newest
/// first, as if it had never stopped.
extension Runner {
    /// Checks each host's record and lock, then continues the run named by `options.runID`;
    /// never throws: every refusal is in the notices and the summary's exit code (2 the record
    /// does not allow it, 4 the lock is another run's or its runner still lives, 5 a host could
    /// not be reached). `force` goes ahead despite a changed playbook, an in-flight step that is
    /// not safe to run twice, an inconsistent record, or a live lease of the run itself; never
    /// despite another run's lock or a run that already ended.
    public func resume(force: Bool) async -> RunSummary {
        let runID = options.runID
        guard let hosts = reportStart() else { return refuse(.invalidInput) }

        // One look at each host: the run's journal and the lock.
        let looks = await fanOut(hosts) { host -> Result<(HostRun, ResumePlan.Journal, DeployLock.State), any Error> in
            do {
                let run = try makeRun(host: host, runID: runID)
                let read = try await run.transport.run(RemoteCommand(run.journal.readScript), output: nil)
                let journal = ResumePlan.Journal(output: read.stdoutText, found: read.succeeded)
                let lock = try await run.lock.inspect(on: run.transport)
                return .success((run, journal, lock))
            } catch {
                return .failure(error)
            }
        }
        var runs: [HostRun] = []
        var journals: [String: ResumePlan.Journal] = [:]
        var locks: [String: DeployLock.State] = [:]
        var unreachable: [String] = []
        for (host, look) in zip(hosts, looks) {
            switch look {
            case .success(let (run, journal, lock)):
                runs.append(run)
                journals[host.name] = journal
                locks[host.name] = lock
            case .failure(let error as TransportError): unreachable.append("\(error)")
            case .failure(let error): unreachable.append("[\(host.name)] \(error)")
            }
        }
        guard unreachable.isEmpty else {
            await closeAll(runs)
            for message in unreachable + ["nothing was changed on any host; run --resume again when every host of the run answers"] {
                events.send(.notice(masker.mask(message)))
            }
            return refuse(.connectionFailed)
        }

        let targets = hosts.map { host in
            ResumePlan.Target(
                host: host.name,
                steps: Set(playbook.steps.indices.filter { index in environment.hosts(matching: playbook.steps[index]).contains(host.name) }))
        }
        let plan = ResumePlan.decide(
            runID: runID, playbook: playbook, targets: targets, journals: journals,
            batchSize: playbook.serial?.batchSize(of: hosts.count) ?? hosts.count, force: force)
        var problems = plan.problems
        var lockRefusal = false
        for resume in plan.hosts {
            guard case .held(let holder) = locks[resume.host] ?? .free else { continue }
            if let holder, holder.runID == runID.rawValue {
                if let live = liveness(of: holder, host: resume.host) {
                    problems.append(ResumePlan.Problem(message: live, forcible: true))
                    lockRefusal = lockRefusal || !force
                }
            } else {
                problems.append(
                    ResumePlan.Problem(
                        message:
                            "\(LockHeldError(host: resume.host, holder: holder, playbook: options.playbookArgument, environment: environment.name))",
                        forcible: false))
                lockRefusal = true
            }
        }
        let resumed = ResumePlan(hosts: plan.hosts, problems: problems, notInRun: plan.notInRun)
        guard resumed.allowed(force: force) else {
            await closeAll(runs)
            for problem in problems where !(force && problem.forcible) {
                events.send(.notice(masker.mask("cannot resume: " + problem.message)))
            }
            events.send(.notice("nothing was changed on any host"))
            return refuse(lockRefusal ? .lockHeld : .invalidInput)
        }
        for problem in problems {
            events.send(.notice(masker.mask("--force: going on although " + problem.message)))
        }
        for host in plan.notInRun {
            events.send(.notice("\(host) has no record of run \(runID): it was not part of the run and is left out"))
        }

        // Take up the run on the hosts it reached, its lock included.
        let taking = runs.filter { run in plan.hosts.contains { $0.host == run.host.name } }
        await closeAll(runs.filter { run in !taking.contains { $0 === run } })
        let owner = RunRecord.currentUser(environment: processEnvironment)
        let outcomes = await fanOut(taking) { run -> (any Error)? in
            guard let resume = plan.hosts.first(where: { $0.host == run.host.name }) else { return nil }
            let header = RunHeader(
                runID: runID, playbook: playbook.name, playbookHash: playbook.contentHash, environment: environment.name,
                host: run.host.name, user: owner, startedAt: Date(), stepHashes: playbook.stepHashes, resumed: true)
            do {
                try await run.acquireLock(
                    owner: owner, header: header, playbook: options.playbookArgument, environment: environment.name,
                    wait: options.lockWait, takeOver: true)
                await run.takeUp(resume, steps: playbook.steps)
                return nil
            } catch {
                return error
            }
        }
        let failures = outcomes.compactMap { $0 }
        if !failures.isEmpty {
            await withTaskGroup(of: Void.self) { group in
                for run in taking { group.addTask { await run.abandon() } }
            }
            await closeAll(taking)
            for error in failures { events.send(.notice(masker.mask("\(error)"))) }
            events.send(.notice("nothing was changed on any host"))
            return refuse(failures.allSatisfy { $0 is LockHeldError } ? .lockHeld : .connectionFailed)
        }
        for resume in plan.hosts {
            events.send(.runResumed(host: resume.host, from: resume.description))
        }
        return await carryOut(taking)
    }

    /// Why the run's own lock may still be held by a live runner, or nil when its runner is
    /// gone: a process of this machine that no longer exists, or a lease that lapsed.
    private func liveness(of holder: LockHolder, host: String) -> String? {
        let here = RunRecord.currentUser(environment: processEnvironment)
        if holder.owner == here, let pid = holder.pid {
            // kill(pid, 0) fails with ESRCH once the process is gone (a zombie still counts).
            guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
            return
                "run \(holder.runID) still has a live runner on this machine (pid \(pid), the lock's owner on \(host)): wait for it to end or stop it (kill \(pid)), then resume; --force resumes anyway, and two runners would then deploy at once"
        }
        guard !holder.isLeaseLapsed() else { return nil }
        let seconds = Int(holder.leaseExpiryDate.timeIntervalSinceNow)
        return
            "the lock on \(host) is still held by run \(holder.runID) of \(holder.owner) with a live lease (it expires in \(seconds) s): its runner may still be running. Wait until the lease lapses, or add --force if you know that runner is gone"
    }

    private func closeAll(_ runs: [HostRun]) async {
        await withTaskGroup(of: Void.self) { group in
            for run in runs { group.addTask { await run.transport.close() } }
        }
    }
}

extension Inventory.Environment {
    /// The names of the hosts `definition` goes to (`on:`; every host when empty).
    fileprivate func hosts(matching definition: StepDefinition) -> Set<String> {
        definition.on.isEmpty ? Set(hosts.map(\.name)) : Set(definition.on.flatMap { self.hosts(matching: $0) }.map(\.name))
    }
}
