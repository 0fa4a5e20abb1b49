public import Foundation

/// Who holds a host's deploy lock: the content of `<state_dir>/lock/owner.json`, with the
/// lease as last renewed.
public struct LockHolder: Sendable, Hashable, Codable {
    /// `user@machine` that took the lock.
    public var owner: String
    public var runID: String
    /// The host's inventory name.
    public var host: String
    /// When the lock was taken, by the host's clock (seconds since 1970).
    public var startedAt: Int64
    /// Until when the holder promised to renew the lease, by the host's clock.
    public var leaseExpires: Int64
    /// Process ID of the runner on the `owner` machine; nil in locks taken before it was kept.
    /// Lets `run --resume` on that machine tell a killed runner from a live one at once,
    /// without waiting for the lease to lapse.
    public var pid: Int32?

    enum CodingKeys: String, CodingKey {
        case owner
        case runID = "run_id"
        case host
        case startedAt = "started_at"
        case leaseExpires = "lease_expires"
        case pid
    }

    public init(owner: String, runID: String, host: String, startedAt: Int64, leaseExpires: Int64, pid: Int32? = nil) {
        self.pid = pid
        self.owner = owner
        self.runID = runID
        self.host = host
        self.startedAt = startedAt
        self.leaseExpires = leaseExpires
    }

    /// When the lock was taken.
    public var startDate: Date { Date(timeIntervalSince1970: TimeInterval(startedAt)) }

    /// When the lease runs out (or ran out).
    public var leaseExpiryDate: Date { Date(timeIntervalSince1970: TimeInterval(leaseExpires)) }

    /// True when the holder stopped renewing its lease: it most likely crashed or lost its
    /// connection. The lock is still never broken without `rollout unlock`.
    public func isLeaseLapsed(now: Date = Date()) -> Bool {
        now > leaseExpiryDate
    }
}
