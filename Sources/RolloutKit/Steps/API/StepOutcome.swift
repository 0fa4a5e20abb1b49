/// How one step ended on one host.
public enum StepOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Ran and found nothing to change.
    case ok
    /// Ran and changed the host.
    case changed
    /// Ran and failed.
    case failed
    /// Not run (a `when` was false, or an earlier step failed).
    case skipped
    /// Started, but its end was never recorded (crash, lost connection): it may or may not have
    /// changed the host.
    case unknown
}
