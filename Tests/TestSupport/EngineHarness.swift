public import Foundation
public import RolloutKit
import Synchronization

/// Runs a playbook through the real `Runner`, in process, on hosts that are `ScriptedTransport`s
/// over a temporary directory, with a `ManualClock`: the engine's decisions (undo order, what a
/// dropped connection means, leases, retries, serial batches) tested without sshd or real time.
///
/// The playbook text may use `{{ root }}` (the temporary directory) and `{{ log }}` (the file
/// `probe` steps append to). Each host keeps its state under `{{ root }}/<host>/state`.
public final class EngineHarness: Sendable {
    public let root: URL
    public let hostNames: [String]
    public let clock = ManualClock()
    public let interruption = Interruption(firstNotice: "", recoveryNotice: { "" })
    private let sharedStateDirectory: Bool
    private let transports: [String: ScriptedTransport]
    private let recorded = EventLog()

    /// `hosts` hosts named h1, h2, …; `groups` gives host name → its groups. With
    /// `sharedStateDirectory` every host keeps its state in `{{ root }}/state`, as hosts that
    /// are one machine and login user do with the default `~/.rollout/<name>`.
    public init(hosts: Int = 1, groups: [String: [String]] = [:], sharedStateDirectory: Bool = false) throws {
        self.sharedStateDirectory = sharedStateDirectory
        root = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString)")
        hostNames = (1...hosts).map { "h\($0)" }
        var transports: [String: ScriptedTransport] = [:]
        for name in hostNames {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
            transports[name] = ScriptedTransport(endpoint: name)
        }
        self.transports = transports
        let hostLines = hostNames.map { name in
            let memberOf = groups[name].map { ", groups: [\($0.joined(separator: ", "))]" } ?? ""
            return "      \(name): { address: local\(memberOf) }"
        }
        try Data("environments:\n  test:\n    hosts:\n\(hostLines.joined(separator: "\n"))\n".utf8)
            .write(to: root.appendingPathComponent("inventory.yml"))
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// The file `probe` steps append `run|undo|check <id> <host>` lines to.
    public var log: URL { root.appendingPathComponent("probe.log") }

    /// The lines of the probe log, in order.
    public var logLines: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The transport of host `name`, to script its faults and read its commands.
    public func host(_ name: String) -> ScriptedTransport { transports[name]! }

    /// Every event the run reported, in order.
    public var events: [RunEvent] { recorded.events }

    /// Loads `body` (the playbook after its `name`, `inventory` and `state_dir` lines) and runs
    /// it; `configure` may change the options (check mode, limit) before the run.
    public func run(
        _ body: String, overrides: [String: String] = [:], interruptAfter: Int? = nil,
        configure: (inout Runner.Options) -> Void = { _ in }
    ) async throws -> RunSummary {
        let runner = try makeRunner(body, overrides: overrides, interruptAfter: interruptAfter, configure: configure)
        return await runner.run()
    }

    /// `rollout rollback` of the playbook `body` (of run `runID`, or the one it picks), as the
    /// CLI does it after the user said yes.
    public func rollback(_ body: String, runID: RunID? = nil, force: Bool = false, overrides: [String: String] = [:]) async throws -> RunSummary {
        let rollback = RollbackRun(runner: try makeRunner(body, overrides: overrides), runID: runID, force: force)
        return await rollback.run(try await rollback.plan())
    }

    /// `rollout run --resume` of run `runID` with the playbook `body`, as the CLI does it.
    public func resume(_ body: String, runID: RunID, force: Bool = false, overrides: [String: String] = [:]) async throws -> RunSummary {
        let runner = try makeRunner(body, overrides: overrides) { $0.runID = runID }
        return await runner.resume(force: force)
    }

    /// The playbook `body` as the harness loads it (its content and step hashes, for a record
    /// written by hand).
    public func playbook(_ body: String) throws -> Playbook {
        try makeRunner(body, overrides: [:]).loaded.playbook
    }

    /// What `rollout rollback` of the playbook `body` shows before it asks: each host's plan,
    /// with the preview of each step.
    public func rollbackPlans(_ body: String, runID: RunID? = nil, force: Bool = false, overrides: [String: String] = [:]) async throws
        -> (plans: [RollbackRun.HostPlan], previews: [[UndoPreview]])
    {
        let rollback = RollbackRun(runner: try makeRunner(body, overrides: overrides), runID: runID, force: force)
        let plans = try await rollback.plan()
        return (plans, plans.map { $0.steps.map(rollback.preview(of:)) })
    }

    /// The IDs of the runs recorded under `path` (relative to the root), in no given order (two
    /// runs started in the same second sort by their random suffix).
    public func runIDs(in path: String) throws -> [RunID] {
        let runs = root.appendingPathComponent(path)
        let names = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasSuffix(".jsonl") }
        return Array(Set(names.compactMap { RunID(String($0.prefix { $0 != "." })) }))
    }

    private func makeRunner(
        _ body: String, overrides: [String: String], interruptAfter: Int? = nil,
        configure: (inout Runner.Options) -> Void = { _ in }
    ) throws -> Runner {
        let text = """
            name: engine-test
            inventory: inventory.yml
            state_dir: "{{ root }}/\(sharedStateDirectory ? "" : "{{ host.name }}/")state"
            vars:
              root: "\(root.path)"
              log: "\(log.path)"
            \(body)
            """
        let url = root.appendingPathComponent("deploy.yml")
        try Data(text.utf8).write(to: url)
        let loader = PlaybookLoader(environmentName: "test", overrides: overrides, kinds: StepRegistry.kinds + [ProbeStep.self])
        let result = loader.load(url, name: "deploy.yml")
        guard let loaded = result.loaded, !result.diagnostics.hasErrors, let inventory = loaded.inventory,
            let environment = inventory.environments.first(where: { $0.name == "test" })
        else {
            throw HarnessError(
                message: result.diagnostics.all.map { "\($0.location.line):\($0.location.column): \($0.message)" }.joined(separator: "\n"))
        }
        var options = Runner.Options(playbookArgument: "deploy.yml", overrides: overrides)
        configure(&options)
        let transports = self.transports
        let interruption = self.interruption
        let events = RunEvents([recorded, InterruptingReporter(after: interruptAfter, interruption: interruption)])
        return Runner(
            loaded: loaded, environment: environment, secrets: result.secrets, processEnvironment: [:], options: options,
            events: events, connect: { host in transports[host.name]! }, interruption: interruption, clock: clock)
    }

    /// The outcome each host reported for each step, as "h1 2/3 name: changed" lines.
    public var stepLines: [String] {
        events.compactMap { event in
            guard case .stepFinished(let host, let step, let outcome, _, _) = event else { return nil }
            return "\(host) \(step.name): \(outcome.rawValue)"
        }
    }

    /// The notices the run printed.
    public var notices: [String] {
        events.compactMap { if case .notice(let text) = $0 { text } else { nil } }
    }

    /// The status the run reported at its end (what the console shows as its result).
    public var finalStatus: RunStatus? {
        events.lazy.compactMap { if case .runFinished(let status, _) = $0 { status } else { nil } }.last
    }

    /// Whether `path` (relative to the root) exists.
    public func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path)
    }
}

/// A playbook the harness could not load.
public struct HarnessError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

final class EventLog: Reporter {
    private let state = Mutex<[RunEvent]>([])
    var events: [RunEvent] { state.withLock { $0 } }
    func handle(_ event: RunEvent) { state.withLock { $0.append(event) } }
}

/// Stops the run as one Ctrl-C would, once `after` steps have finished on some host.
final class InterruptingReporter: Reporter {
    private let after: Int?
    private let interruption: Interruption
    private let finished = Mutex(0)

    init(after: Int?, interruption: Interruption) {
        self.after = after
        self.interruption = interruption
    }

    func handle(_ event: RunEvent) {
        guard let after, case .stepFinished = event else { return }
        let count = finished.withLock { count -> Int in
            count += 1
            return count
        }
        if count == after { interruption.request() }
    }
}
