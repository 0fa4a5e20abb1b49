/// Where the engine and the steps read the time and wait: the system's clock in a run, a clock
/// that a test moves by hand in the engine's in-process tests (leases, retry delays, polling),
/// so that those decisions are tested without waiting for real time to pass.
public protocol RunClock: Sendable {
    /// The current instant.
    var now: ContinuousClock.Instant { get }
    /// Waits for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system's monotonic clock: what every run uses.
public struct SystemClock: RunClock {
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
