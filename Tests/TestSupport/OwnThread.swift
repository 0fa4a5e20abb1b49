import Foundation

/// Runs blocking `work` (waitpid, a fixture's polling start) on a thread of its own and awaits
/// its result, so the caller's cooperative thread serves other tests meanwhile.
///
/// Swift's cooperative pool has one thread per core: two on the CI machine. A test that blocks
/// one of them on a child process leaves the whole suite a single thread, and every other test,
/// however quick, queues behind it.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// `onOwnThread` for work that cannot fail.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}
