public import Foundation

/// One line of a host's run journal, `<state_dir>/runs/<run-id>.jsonl`.
///
/// The journal is append-only: each event is one JSON object on its own line, so a crash can
/// at worst lose the line being written, and `RunRecord.replay(journalLines:)` rebuilds the
/// run from whatever lines made it to disk.
public enum JournalEvent: Sendable, Hashable {
    /// The run began on this host.
    case runStarted(RunHeader)
    /// A step began. Written on the host just before the step's command runs.
    case stepStarted(index: Int, name: String, kind: String, at: Date)
    /// What a step saved for its undo, written before it changes anything.
    case undoRecorded(index: Int, undo: [String: String])
    /// A step's command ended with `exitCode` (nil when it had no command). The host writes it
    /// without a time (`date` would cost a process per step); the engine's `step_result` has one.
    case stepEnded(index: Int, exitCode: Int32?, at: Date?)
    /// The engine's verdict on a step, with its masked output tail.
    case stepResult(index: Int, outcome: StepOutcome, outputTail: String, at: Date)
    /// The run ended on this host.
    case runFinished(status: RunStatus, at: Date)

    /// The event as one JSON line, without the newline.
    public var jsonLine: String {
        switch self {
        case .runStarted(let header):
            return JSONText.object(
                [
                    ("event", JSONText.quote("run_started")),
                    ("run_id", JSONText.quote(header.runID.rawValue)),
                    ("playbook", JSONText.quote(header.playbook)),
                    ("playbook_hash", JSONText.quote(header.playbookHash)),
                    ("environment", JSONText.quote(header.environment)),
                    ("host", JSONText.quote(header.host)),
                    ("user", JSONText.quote(header.user)),
                    ("at", Self.milliseconds(header.startedAt)),
                ] + (header.undoes.map { [("undoes", JSONText.quote($0.rawValue))] } ?? [])
                    + (header.stepHashes.isEmpty ? [] : [("step_hashes", "[" + header.stepHashes.map(JSONText.quote).joined(separator: ",") + "]")])
                    + (header.resumed ? [("resumed", "true")] : []))
        case .stepStarted(let index, let name, let kind, let at):
            return Self.stepStartedPrefix(index: index, name: name, kind: kind) + Self.milliseconds(at) + "}"
        case .undoRecorded(let index, let undo):
            let fields = undo.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONText.quote($0.value)) }
            return JSONText.object([
                ("event", JSONText.quote("undo")), ("index", String(index)),
                ("undo", JSONText.object(fields.map { ($0.key, $0.value) })),
            ])
        case .stepEnded(let index, let exitCode, let at):
            return Self.stepEndedPrefix(index: index) + (exitCode.map { String($0) } ?? "null")
                + ",\"at\":" + (at.map(Self.milliseconds) ?? "null") + "}"
        case .stepResult(let index, let outcome, let outputTail, let at):
            return JSONText.object([
                ("event", JSONText.quote("step_result")), ("index", String(index)),
                ("outcome", JSONText.quote(outcome.rawValue)), ("output_tail", JSONText.quote(outputTail)),
                ("at", Self.milliseconds(at)),
            ])
        case .runFinished(let status, let at):
            return JSONText.object([
                ("event", JSONText.quote("run_finished")), ("status", JSONText.quote(status.rawValue)),
                ("at", Self.milliseconds(at)),
            ])
        }
    }

    /// Reads one journal line.
    public init(jsonLine: String) throws(RunJournalError) {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(jsonLine.utf8))
        } catch {
            throw RunJournalError(problem: .unreadableLine(jsonLine))
        }
        func need<T>(_ value: T?) throws(RunJournalError) -> T {
            guard let value else { throw RunJournalError(problem: .unreadableLine(jsonLine)) }
            return value
        }
        let at = wire.at.map { Date(timeIntervalSince1970: Double($0) / 1000) }
        switch wire.event {
        case "run_started":
            guard let runID = RunID(try need(wire.run_id)) else { throw RunJournalError(problem: .unreadableLine(jsonLine)) }
            self = .runStarted(
                RunHeader(
                    runID: runID, playbook: try need(wire.playbook), playbookHash: try need(wire.playbook_hash),
                    environment: try need(wire.environment), host: try need(wire.host), user: try need(wire.user),
                    startedAt: try need(at), undoes: wire.undoes.flatMap(RunID.init), stepHashes: wire.step_hashes ?? [],
                    resumed: wire.resumed ?? false))
        case "step_started":
            self = .stepStarted(index: try need(wire.index), name: try need(wire.name), kind: try need(wire.kind), at: try need(at))
        case "undo":
            var undo = wire.undo ?? [:]
            if let key = wire.key { undo[key] = wire.value ?? "" }
            self = .undoRecorded(index: try need(wire.index), undo: undo)
        case "step_ended":
            self = .stepEnded(index: try need(wire.index), exitCode: wire.exit_code, at: at)
        case "step_result":
            guard let outcome = StepOutcome(rawValue: try need(wire.outcome)) else {
                throw RunJournalError(problem: .unreadableLine(jsonLine))
            }
            self = .stepResult(index: try need(wire.index), outcome: outcome, outputTail: wire.output_tail ?? "", at: try need(at))
        case "run_finished":
            guard let status = RunStatus(rawValue: try need(wire.status)) else {
                throw RunJournalError(problem: .unreadableLine(jsonLine))
            }
            self = .runFinished(status: status, at: try need(at))
        default:
            throw RunJournalError(problem: .unreadableLine(jsonLine))
        }
    }

    /// The text of a `step_started` line up to its time, which the host's shell fills in.
    static func stepStartedPrefix(index: Int, name: String, kind: String) -> String {
        "{\"event\":\"step_started\",\"index\":\(index),\"name\":\(JSONText.quote(name)),\"kind\":\(JSONText.quote(kind)),\"at\":"
    }

    /// The text of a `step_ended` line up to its exit code, which the host's shell fills in.
    static func stepEndedPrefix(index: Int) -> String {
        "{\"event\":\"step_ended\",\"index\":\(index),\"exit_code\":"
    }

    static func milliseconds(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The journal's own key names, decoded as they are written.
    private struct Wire: Decodable {
        var event: String
        var at: Int64?
        var run_id: String?
        var undoes: String?
        var step_hashes: [String]?
        var resumed: Bool?
        var playbook: String?
        var playbook_hash: String?
        var environment: String?
        var host: String?
        var user: String?
        var index: Int?
        var name: String?
        var kind: String?
        var undo: [String: String]?
        var key: String?
        var value: String?
        var exit_code: Int32?
        var outcome: String?
        var output_tail: String?
        var status: String?
    }
}
