/// Where a run stands, on one host.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Started and not finished: still running, or it stopped without a word (crash, lost
    /// connection). The deploy lock's lease tells the two apart.
    case running
    /// Every step succeeded.
    case succeeded
    /// A step failed and nothing was undone (nothing to undo, or undo was not wanted).
    case failed
    /// A step failed and the rollback restored the previous state.
    case rolledBack = "rolled_back"
    /// A step failed and the rollback failed or was incomplete.
    case rollbackFailed = "rollback_failed"
    /// Stopped by SIGINT/SIGTERM (after rolling back what it could).
    case interrupted
}
