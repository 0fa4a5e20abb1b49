import Foundation

/// Hands each event of a run to every reporter, one event at a time and in order, whichever
/// host's task sends it.
public final class RunEvents: Sendable {
    private let reporters: [any Reporter]
    private let lock = NSLock()

    public init(_ reporters: [any Reporter]) {
        self.reporters = reporters
    }

    public func send(_ event: RunEvent) {
        lock.withLock {
            for reporter in reporters { reporter.handle(event) }
        }
    }
}
