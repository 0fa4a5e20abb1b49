import Foundation

/// What an import makes of a runbook: steps, checks, secrets and inventory facts, each step with
/// the runbook lines it came from, and the lines it could not map. `DraftWriter` writes it out.
public struct Draft: Sendable {
    /// One generated step.
    public struct Step: Sendable {
        /// The step kind (`shell`, `git` …).
        public var kind: String
        public var name: String?
        /// Common fields (`run_once`, `timeout` …).
        public var common: [DraftEntry] = []
        /// The kind's options.
        public var options: [DraftEntry]
        public var sources: [RunbookSource]
        /// Remarks written above the step (why it looks the way it does).
        public var notes: [String] = []

        public init(kind: String, name: String? = nil, options: [DraftEntry], source: RunbookSource) {
            self.kind = kind
            self.name = name
            self.options = options
            self.sources = [source]
        }

        /// The option `key`.
        public func option(_ key: String) -> DraftValue? { options.first { $0.key == key }?.value }

        /// Sets (or replaces) an option.
        public mutating func set(_ key: String, _ value: DraftValue) {
            if let index = options.firstIndex(where: { $0.key == key }) {
                options[index].value = value
            } else {
                options.append(DraftEntry(key, value))
            }
        }
    }

    /// One HTTP check of the generated suite.
    public struct Check: Sendable {
        public var method: String
        public var path: String
        public var status: Int
        public var headers: [DraftEntry] = []
        public var form: [DraftEntry] = []
        public var body: String?
        public var sources: [RunbookSource]
    }

    /// A runbook line left for a human, with why.
    public struct Todo: Sendable {
        public var source: RunbookSource
        public var reason: String
    }

    /// A step, or a runbook line left for a human, in runbook order.
    public enum Item: Sendable {
        case step(Step)
        case todo(Todo)
    }

    /// Commands of one section that is not part of the deploy.
    public struct Aside: Sendable {
        public var section: String
        public var sources: [RunbookSource]
    }

    /// A secret the draft reads from an environment variable of the deploying machine.
    public struct Secret: Sendable, Equatable {
        public var name: String
        public var environmentVariable: String
    }

    public var name: String
    public var runbookName: String
    /// Steps and TODOs in runbook order.
    public var items: [Item] = []
    public var checks: [Check] = []
    public var secrets: [Secret] = []
    public var vars: [DraftEntry] = []
    /// Remarks for `vars` entries, by name.
    public var varNotes: [String: String] = [:]
    /// Lines of the runbook's rollback plan, and what rollout does for each.
    public var rollbackNotes: [Todo] = []
    /// Commands of sections that are not the deploy (troubleshooting, monitoring …), by section.
    public var asides: [Aside] = []
    public var baseURL: String?
    public var hostAddress: String?
    public var hostUser: String?

    public init(name: String, runbookName: String) {
        self.name = name
        self.runbookName = runbookName
    }

    /// The generated steps, in order.
    public var steps: [Step] {
        items.compactMap { if case .step(let step) = $0 { step } else { nil } }
    }

    /// The lines inside the deploy sections that no step covers.
    public var todos: [Todo] {
        items.compactMap { if case .todo(let todo) = $0 { todo } else { nil } }
    }

    /// The steps of `kind`.
    public func steps(_ kind: String) -> [Step] { steps.filter { $0.kind == kind } }

    /// Adds a secret read from `variable` (once) and returns its `{{ secrets.… }}` reference.
    public mutating func secret(fromEnvironment variable: String) -> String {
        let name = variable.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
        if !secrets.contains(where: { $0.name == name }) {
            secrets.append(
                Secret(
                    name: name,
                    environmentVariable: variable.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }))
        }
        return "{{ secrets.\(name) }}"
    }
}
