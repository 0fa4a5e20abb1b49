public import Foundation

/// Who ran what, where: the first event of every journal.
public struct RunHeader: Sendable, Hashable {
    public var runID: RunID
    /// The playbook's `name:`.
    public var playbook: String
    /// Hash of the playbook's resolved content, so a later run can tell it changed
    /// (`run --resume` refuses a changed playbook).
    public var playbookHash: String
    public var environment: String
    /// The host's inventory name.
    public var host: String
    /// `$USER@hostname` of the machine that ran the deploy.
    public var user: String
    public var startedAt: Date
    /// The run this one undoes, when it is a `rollout rollback`; nil for a deploy.
    public var undoes: RunID?
    /// Hash of each playbook step (`Playbook.stepHashes`), so that `run --resume` names the
    /// steps that changed. Empty in records written before it was kept.
    public var stepHashes: [String]
    /// True when this header marks `run --resume` taking the run up again: the run's first
    /// header stays the record's start, this one adds a resumption (who, when, which playbook).
    /// Written as a second `run_started` line so that a rollout from before `--resume` still
    /// reads the record (as a run started at the resumption).
    public var resumed: Bool

    public init(
        runID: RunID, playbook: String, playbookHash: String, environment: String, host: String,
        user: String, startedAt: Date, undoes: RunID? = nil, stepHashes: [String] = [], resumed: Bool = false
    ) {
        self.undoes = undoes
        self.stepHashes = stepHashes
        self.resumed = resumed
        self.runID = runID
        self.playbook = playbook
        self.playbookHash = playbookHash
        self.environment = environment
        self.host = host
        self.user = user
        self.startedAt = startedAt
    }
}
