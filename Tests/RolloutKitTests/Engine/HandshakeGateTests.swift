import Synchronization
import Testing

@testable import RolloutKit

/// Hosts of one sshd connect at most `limit` at a time (sshd drops connections beyond its
/// `MaxStartups`); hosts of other servers are not held up by them.
struct HandshakeGateTests {
    final class Counter: Sendable {
        private let state = Mutex((now: [String: Int](), peak: [String: Int]()))
        func enter(_ server: String) {
            state.withLock {
                $0.now[server, default: 0] += 1
                $0.peak[server] = max($0.peak[server] ?? 0, $0.now[server]!)
            }
        }
        func leave(_ server: String) { state.withLock { $0.now[server, default: 0] -= 1 } }
        func peak(_ server: String) -> Int { state.withLock { $0.peak[server] ?? 0 } }
    }

    @Test func aServerNeverHasMoreThanTheLimitConnectingAndOthersGoAhead() async {
        let gate = HandshakeGate(limit: 3)
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                let server = index % 4 == 0 ? "other:22" : "shared:22"
                group.addTask {
                    await gate.enter(server)
                    counter.enter(server)
                    try? await Task.sleep(for: .milliseconds(2))
                    counter.leave(server)
                    await gate.leave(server)
                }
            }
        }
        #expect(counter.peak("shared:22") == 3)
        #expect(counter.peak("other:22") >= 1 && counter.peak("other:22") <= 3)
    }
}
