public import Foundation

/// Another run holds the deploy lock on a host.
public struct LockHeldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The host whose lock is held (its inventory name or endpoint).
    public var host: String
    /// The holder, nil when the lock exists without a readable owner (a run crashed while
    /// taking it, or is taking it right now).
    public var holder: LockHolder?
    /// The playbook and environment, for the `rollout unlock` hint.
    public var playbook: String
    public var environment: String
    /// When the lock was found held, to judge the lease.
    public var checkedAt: Date

    public init(host: String, holder: LockHolder?, playbook: String, environment: String, checkedAt: Date = Date()) {
        self.host = host
        self.holder = holder
        self.playbook = playbook
        self.environment = environment
        self.checkedAt = checkedAt
    }

    public var description: String {
        let unlock = "`rollout unlock \(playbook) -e \(environment)`"
        guard let holder, !holder.isLeaseLapsed(now: checkedAt) else {
            return "\(situation); if no deploy is running, clear it with \(unlock)"
        }
        return "\(situation): wait for that run, or pass --lock-wait; a crashed holder is cleared with \(unlock)"
    }

    /// Who holds the lock and whether its lease is live, without advice: `rollout unlock`,
    /// which shows it, gives advice of its own (pointing at itself would go round in a circle).
    public var situation: String {
        guard let holder else {
            return "deploy lock on \(host) is held but names no owner (a run crashed while taking it, or is taking it now)"
        }
        let since = holder.startDate.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
        let lease: String
        if holder.isLeaseLapsed(now: checkedAt) {
            let minutes = Int(checkedAt.timeIntervalSince(holder.leaseExpiryDate) / 60)
            lease = "its lease lapsed \(minutes) min ago, so the holder looks crashed"
        } else {
            let seconds = Int(holder.leaseExpiryDate.timeIntervalSince(checkedAt))
            lease = "its lease is live (renewed, expires in \(seconds) s)"
        }
        return "deploy lock on \(host) is held by \(holder.owner) (run \(holder.runID)) since \(since); \(lease)"
    }
}
