import Dispatch

/// An actor executor backed by its own serial dispatch queue.
///
/// `SSHTransport` blocks in poll(2) while a command runs. On the shared cooperative pool
/// (one thread per core) ten hosts would then run two at a time; a private serial queue gets
/// its own thread from dispatch's overcommitting pool, so every host progresses at once.
final class SerialQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
