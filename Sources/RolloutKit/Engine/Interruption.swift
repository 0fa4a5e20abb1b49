import Foundation
import Glibc
import Synchronization

/// Every way a runner is told to stop, made one orderly stop: SIGINT (Ctrl-C), SIGTERM (a CI job
/// cancelled), SIGHUP (the terminal or the SSH session to the runner closed) and a closed output
/// pipe (`rollout run … | head`). The first lets the command in flight finish, then the run rolls
/// back; a second signal exits at once with status 3 (a human is needed), after saying what is
/// left and how to recover. A closed pipe never counts twice, and output errors never stop a
/// deploy on their own.
public final class Interruption: Sendable {
    private let count = Mutex(0)
    private let sources = Mutex<[any DispatchSourceSignal]>([])
    private let queue = DispatchQueue(label: "rollout.signals")

    /// Text printed on the first signal.
    private let firstNotice: String
    /// Text printed on the second, just before exiting.
    private let recoveryNotice: @Sendable () -> String

    public init(firstNotice: String, recoveryNotice: @escaping @Sendable () -> String) {
        self.firstNotice = firstNotice
        self.recoveryNotice = recoveryNotice
    }

    /// True once a signal arrived.
    public var requested: Bool { count.withLock { $0 > 0 } }

    /// Starts listening for SIGINT, SIGTERM and SIGHUP instead of dying on them, and ignores
    /// SIGPIPE, so that a closed output pipe is an error on the write (`outputClosed`).
    public func install() {
        signal(SIGPIPE, SIG_IGN)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            sources.withLock { sources in
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { [weak self] in self?.received() }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// What the first signal does, for a stop that does not come from a signal.
    public func request() {
        received()
    }

    /// The run's output went nowhere any more (its pipe's reader is gone): stop as one Ctrl-C
    /// would, once. Unlike a signal it never escalates, since every later write fails too.
    public func outputClosed() {
        let first = count.withLock { count -> Bool in
            guard count == 0 else { return false }
            count = 1
            return true
        }
        if first { FileHandle.standardError.write(Data(("\n" + firstNotice + "\n").utf8)) }
    }

    private func received() {
        let seen = count.withLock { count -> Int in
            count += 1
            return count
        }
        if seen == 1 {
            FileHandle.standardError.write(Data(("\n" + firstNotice + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data(("\n" + recoveryNotice() + "\n").utf8))
            // Not 130: nothing was rolled back, the hosts may be half-deployed. `_exit`, not
            // `exit`: exit's cleanup handlers ran while the run's SSH threads still worked and
            // crashed the runner now and then (SIGSEGV, exit 139 and a backtrace, not 3).
            fflush(nil)
            _exit(Int32(RolloutExitCode.rollbackIncomplete.rawValue))
        }
    }
}
