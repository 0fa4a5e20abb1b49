public import Foundation

/// The record of one run on one host: who ran which playbook where, and what each step did
/// and saved for its undo.
///
/// On the host it lives as an append-only journal (see `RunJournal`) and is rebuilt with
/// `replay(journalLines:)`; a copy is kept locally by `LocalRunStore`.
public struct RunRecord: Sendable, Hashable, Codable {
    public var runID: RunID
    /// The playbook's `name:`.
    public var playbook: String
    public var playbookHash: String
    public var environment: String
    /// The host's inventory name.
    public var host: String
    /// `$USER@hostname` of the machine that ran the deploy.
    public var user: String
    public var startedAt: Date
    /// The run this one undid, when it was a `rollout rollback`.
    public var undoes: RunID?
    /// Hash of each playbook step when the run started (empty in older records).
    public var stepHashes: [String]
    /// When `run --resume` took the run up again after it stopped, oldest first.
    public var resumedAt: [Date]
    public var endedAt: Date?
    public var status: RunStatus
    /// Steps in the order they started.
    public var steps: [StepRecord]

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case playbook
        case playbookHash = "playbook_hash"
        case environment, host, user
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case status, steps
        case stepHashes = "step_hashes"
        case resumedAt = "resumed_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runID = try container.decode(RunID.self, forKey: .runID)
        playbook = try container.decode(String.self, forKey: .playbook)
        playbookHash = try container.decode(String.self, forKey: .playbookHash)
        environment = try container.decode(String.self, forKey: .environment)
        host = try container.decode(String.self, forKey: .host)
        user = try container.decode(String.self, forKey: .user)
        startedAt = try container.decode(Date.self, forKey: .startedAt)
        endedAt = try container.decodeIfPresent(Date.self, forKey: .endedAt)
        status = try container.decode(RunStatus.self, forKey: .status)
        steps = try container.decode([StepRecord].self, forKey: .steps)
        // Local copies written before these were kept.
        stepHashes = try container.decodeIfPresent([String].self, forKey: .stepHashes) ?? []
        resumedAt = try container.decodeIfPresent([Date].self, forKey: .resumedAt) ?? []
    }

    public init(header: RunHeader, status: RunStatus = .running, endedAt: Date? = nil, steps: [StepRecord] = []) {
        runID = header.runID
        playbook = header.playbook
        playbookHash = header.playbookHash
        environment = header.environment
        host = header.host
        user = header.user
        startedAt = header.startedAt
        undoes = header.undoes
        stepHashes = header.stepHashes
        resumedAt = []
        self.endedAt = endedAt
        self.status = status
        self.steps = steps
    }

    /// The step with playbook position `index`, if it started.
    public func step(_ index: Int) -> StepRecord? {
        steps.first { $0.index == index }
    }

    /// Steps that finished having changed the host, or that may have (outcome unknown), and
    /// that recorded undo data, latest first: the order a rollback undoes them in.
    public var undoableSteps: [StepRecord] {
        steps.filter { ($0.outcome == .changed || $0.outcome == .unknown || $0.outcome == .failed) && !$0.undo.isEmpty }
            .reversed()
    }

    /// Rebuilds a run from its journal lines.
    ///
    /// A step with a start and no end (the run crashed or lost its connection while the step
    /// ran) gets the outcome `unknown`; a step whose command ended without the engine's verdict
    /// is `failed` for a non-zero exit and `unknown` otherwise. A run without `run_finished`
    /// stays `running`: whether it is still alive, only the deploy lock's lease can tell. An
    /// undecodable last line (cut off by a crash) is ignored; blank lines are skipped.
    public static func replay(journalLines: some Sequence<some StringProtocol>) throws(RunJournalError) -> RunRecord {
        let lines = journalLines.map { String($0) }.filter { !$0.allSatisfy(\.isWhitespace) }
        var record: RunRecord?
        var steps: [Int: StepRecord] = [:]
        var order: [Int] = []
        var ended: Set<Int> = []
        for (position, line) in lines.enumerated() {
            let event: JournalEvent
            do {
                event = try JournalEvent(jsonLine: line)
            } catch {
                if position == lines.count - 1 { break }
                throw error
            }
            switch event {
            case .runStarted(let header):
                if header.resumed, var resumed = record {
                    // The run taken up again: same record, one more resumption; it is running again.
                    // (A copy kept by the engine may hold the line twice.)
                    if resumed.resumedAt.last != header.startedAt { resumed.resumedAt.append(header.startedAt) }
                    resumed.status = .running
                    resumed.endedAt = nil
                    record = resumed
                } else {
                    record = RunRecord(header: header)
                    if header.resumed { record?.resumedAt = [header.startedAt] }
                }
            case .stepStarted(let index, let name, let kind, let at):
                if steps[index] == nil { order.append(index) }
                // A step started again (a retry) keeps the undo its first attempt saved: that is
                // the one describing the state before this run touched anything.
                let undo = steps[index]?.undo ?? [:]
                ended.remove(index)
                steps[index] = StepRecord(index: index, name: name, kind: kind, startedAt: at, undo: undo)
            case .undoRecorded(let index, let undo):
                guard var step = steps[index] else { continue }
                step.undo.merge(undo) { first, _ in first }
                steps[index] = step
            case .stepEnded(let index, let exitCode, let at):
                guard var step = steps[index] else { continue }
                step.exitCode = exitCode
                if let at { step.endedAt = at }
                ended.insert(index)
                steps[index] = step
            case .stepResult(let index, let outcome, let outputTail, let at):
                guard var step = steps[index] else { continue }
                step.outcome = outcome
                step.outputTail = outputTail
                if step.endedAt == nil { step.endedAt = at }
                steps[index] = step
            case .runFinished(let status, let at):
                record?.status = status
                record?.endedAt = at
            }
        }
        guard var result = record else { throw RunJournalError(problem: .missingStart) }
        result.steps = order.map { index in
            var step = steps[index]!
            if step.outcome == nil {
                step.outcome = (ended.contains(step.index) && step.exitCode != nil && step.exitCode != 0) ? .failed : .unknown
            }
            if let start = step.startedAt, let end = step.endedAt {
                step.durationMilliseconds = Int64((end.timeIntervalSince(start) * 1000).rounded())
            }
            return step
        }
        return result
    }

    /// `$USER@hostname` of this machine, as records and the deploy lock name their owner.
    public static func currentUser(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let user = environment["USER"] ?? environment["LOGNAME"] ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "unknown"
        return "\(user)@\(machineName())"
    }

    private static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
