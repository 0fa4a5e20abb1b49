public import RolloutKit
import Synchronization

/// A clock that only moves when told to, or when someone sleeps on it: a sleep returns at once
/// and moves the clock on by its duration. The engine's waits (retry delays, lease renewal) are
/// then tested without waiting, and the test reads which waits were asked for.
public final class ManualClock: RunClock {
    private let origin = ContinuousClock.now
    private let state = Mutex<(offset: Duration, sleeps: [Duration])>((.zero, []))

    public init() {}

    public var now: ContinuousClock.Instant { origin.advanced(by: state.withLock { $0.offset }) }

    /// Every sleep asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// Moves the clock on without anyone sleeping.
    public func advance(by duration: Duration) {
        state.withLock { $0.offset += duration }
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.offset += duration
            $0.sleeps.append(duration)
        }
        await Task.yield()
    }
}
