/// A run journal that cannot be turned back into a run record.
public struct RunJournalError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Problem: Sendable, Hashable {
        /// A line is not a journal event.
        case unreadableLine(String)
        /// The journal has no `run_started` event.
        case missingStart
    }

    public var problem: Problem
    /// The journal's path on the host, when known, for the message.
    public var path: String?

    public init(problem: Problem, path: String? = nil) {
        self.problem = problem
        self.path = path
    }

    public var description: String {
        let place = path.map { " \($0)" } ?? ""
        switch problem {
        case .unreadableLine(let line):
            return
                "run journal\(place) has a line that is not a journal event (\(line.prefix(60))…); the file was edited or damaged, check it on the host"
        case .missingStart:
            return "run journal\(place) has no run_started event; it was truncated or is not a rollout journal, check it on the host"
        }
    }
}
