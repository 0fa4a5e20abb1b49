public import Foundation

/// `--json FILE`: one JSON object per event, each line written (and so visible to a reader
/// tailing the file) as the event happens. Secrets are masked.
public final class JSONLinesReporter: Reporter, @unchecked Sendable {
    private let handle: FileHandle
    private let masker: SecretMasker
    private let lock = NSLock()

    /// Creates (or truncates) the file at `url`.
    public init(url: URL, masker: SecretMasker) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        self.masker = masker
    }

    deinit {
        try? handle.close()
    }

    public func handle(_ event: RunEvent) {
        let line = masker.mask(Self.line(for: event)) + "\n"
        lock.withLock {
            // One write per line, straight to the file: nothing is buffered in this process.
            try? handle.write(contentsOf: Data(line.utf8))
        }
    }

    /// The JSON object for `event`, without the newline.
    static func line(for event: RunEvent, at date: Date = Date()) -> String {
        var members: [(String, String)] = []
        func step(_ info: StepInfo) -> String {
            JSONText.object([
                ("index", String(info.index)), ("name", JSONText.quote(info.name)), ("kind", JSONText.quote(info.kind)),
            ])
        }
        func steps(_ items: [HostStep]) -> String {
            "["
                + items.map { JSONText.object([("host", JSONText.quote($0.host)), ("step", step($0.step))]) }
                .joined(separator: ",") + "]"
        }
        func ms(_ d: Duration) -> String {
            String(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }
        switch event {
        case .runStarted(let playbook, let environment, let hosts, let runID):
            members = [
                ("event", JSONText.quote("run_started")), ("playbook", JSONText.quote(playbook)),
                ("environment", JSONText.quote(environment)),
                ("hosts", "[" + hosts.map(JSONText.quote).joined(separator: ",") + "]"),
                ("run_id", JSONText.quote(runID.rawValue)),
            ]
        case .stepStarted(let host, let info):
            members = [("event", JSONText.quote("step_started")), ("host", JSONText.quote(host)), ("step", step(info))]
        case .stepFinished(let host, let info, let outcome, let duration, let tail):
            members = [
                ("event", JSONText.quote("step_finished")), ("host", JSONText.quote(host)), ("step", step(info)),
                ("outcome", JSONText.quote(outcome.rawValue)), ("duration_ms", ms(duration)),
                ("output_tail", JSONText.quote(tail)),
            ]
        case .undoStarted(let host, let info):
            members = [("event", JSONText.quote("undo_started")), ("host", JSONText.quote(host)), ("step", step(info))]
        case .undoFinished(let host, let info, let succeeded, let duration, let tail):
            members = [
                ("event", JSONText.quote("undo_finished")), ("host", JSONText.quote(host)), ("step", step(info)),
                ("succeeded", String(succeeded)), ("duration_ms", ms(duration)), ("output_tail", JSONText.quote(tail)),
            ]
        case .runResumed(let host, let from):
            members = [("event", JSONText.quote("run_resumed")), ("host", JSONText.quote(host)), ("from", JSONText.quote(from))]
        case .notice(let text):
            members = [("event", JSONText.quote("notice")), ("text", JSONText.quote(text))]
        case .runFinished(let status, let summary):
            members = [
                ("event", JSONText.quote("run_finished")), ("status", JSONText.quote(status.rawValue)),
                ("exit_code", String(summary.exitCode.rawValue)), ("changed", steps(summary.changed)),
                ("failed", steps(summary.failed)), ("undone", steps(summary.undone)),
                ("not_undone", steps(summary.notUndone)), ("left_in_place", steps(summary.leftInPlace)),
                ("lock_left_held", "[" + summary.lockLeftHeld.map(JSONText.quote).joined(separator: ",") + "]"),
            ]
        }
        let time = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        members.insert(("time", JSONText.quote(time)), at: 1)
        return JSONText.object(members)
    }
}
