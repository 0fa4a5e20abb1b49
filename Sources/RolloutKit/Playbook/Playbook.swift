public import Foundation

/// A deployment as a playbook file describes it, loaded and checked.
public struct Playbook: Sendable {
    /// How rolling batches are sized.
    public enum Serial: Sendable, Hashable, CustomStringConvertible {
        /// This many hosts at a time.
        case count(Int)
        /// This share of the hosts at a time (rounded up, at least one).
        case percent(Int)

        public var description: String {
            switch self {
            case .count(let n): String(n)
            case .percent(let p): "\(p)%"
            }
        }

        /// Hosts per batch for `total` hosts.
        public func batchSize(of total: Int) -> Int {
            switch self {
            case .count(let n): max(1, min(n, total))
            case .percent(let p): max(1, Int((Double(total * p) / 100).rounded(.up)))
            }
        }
    }

    public var name: String
    /// The playbook file as messages name it.
    public var file: String
    /// The playbook file's absolute location.
    public var url: URL
    /// The inventory file, resolved relative to the playbook; nil when none is named.
    public var inventoryURL: URL?
    public var vars: [TemplateEntry]
    public var secrets: [SecretDeclaration]
    public var steps: [StepDefinition]
    /// Steps run when a deploy fails: after the automatic undo, or before it (`before_undo`).
    public var rollback: [StepDefinition]
    /// Steps run at the end of every run that took a step, after success and after a rollback
    /// (removing smoke-test rows, re-enabling what a rollback step disabled).
    public var always: [StepDefinition]
    /// Where each host keeps the lock, run records and backups (default `~/.rollout/<name>`).
    public var stateDir: Template
    /// Hosts worked on in parallel (default `defaultForks`).
    public var forks: Int
    /// Enough hosts in flight that a fleet's connections overlap their network waits, while
    /// memory and threads stay bounded (one blocked thread per host in flight). Hosts that are
    /// one server connect at most `HandshakeGate.perServer` at a time whatever `forks` is.
    public static let defaultForks = 50
    public var serial: Serial?
    /// Stop when more than this share of a batch's hosts failed (default 0: any failure stops).
    public var maxFailPercentage: Int
    /// Webhooks told how each run ended.
    public var notify: [NotifyTarget] = []
    /// SHA-256 (hex) of the playbook's content with includes expanded, ignoring comments and
    /// layout. Kept in every run record, so that a later run can tell the playbook changed
    /// (what `run --resume` checks).
    public var contentHash: String
    /// SHA-256 (hex, first 16 digits) of each of `steps`, in order, with includes expanded: a
    /// resumed run names the steps that changed since the run started, not only that the
    /// playbook did.
    public var stepHashes: [String] = []
}

/// A playbook with its inventory, as `rollout lint`, `plan` and `run` load them.
public struct LoadedPlaybook: Sendable {
    public var playbook: Playbook
    public var inventory: Inventory?
}
