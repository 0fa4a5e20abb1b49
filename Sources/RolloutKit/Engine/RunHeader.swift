public import Foundation

/// Who ran what, where: the first event of every journal.
public struct RunHeader: Sendable, Hashable, Codable {
    public var runID: RunID
    /// The playbook's `name:`.
    public var playbook: String
    /// Hash of the playbook's resolved content, so a later run can tell it changed (the planned
    /// `--resume` refuses a changed playbook).
    public var playbookHash: String
    public var environment: String
    /// The host's inventory name.
    public var host: String
    /// `$USER@hostname` of the machine that ran the deploy.
    public var user: String
    public var startedAt: Date
    /// The run this one undoes, when it is a `rollout rollback`; nil for a deploy.
    public var undoes: RunID?

    public init(
        runID: RunID, playbook: String, playbookHash: String, environment: String, host: String,
        user: String, startedAt: Date, undoes: RunID? = nil
    ) {
        self.undoes = undoes
        self.runID = runID
        self.playbook = playbook
        self.playbookHash = playbookHash
        self.environment = environment
        self.host = host
        self.user = user
        self.startedAt = startedAt
    }
}
