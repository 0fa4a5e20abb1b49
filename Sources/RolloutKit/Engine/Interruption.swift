import Foundation
import Glibc
import Synchronization

/// SIGINT and SIGTERM during a run: the first lets the command in flight finish and then rolls
/// back; the second exits at once, after saying how to recover.
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

    /// Starts listening for SIGINT and SIGTERM instead of dying on them.
    public func install() {
        for signalNumber in [SIGINT, SIGTERM] {
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

    private func received() {
        let seen = count.withLock { count -> Int in
            count += 1
            return count
        }
        if seen == 1 {
            FileHandle.standardError.write(Data(("\n" + firstNotice + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data(("\n" + recoveryNotice() + "\n").utf8))
            exit(Int32(RolloutExitCode.interrupted.rawValue))
        }
    }
}
