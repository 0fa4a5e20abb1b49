/// The deploy lock's lease on one host. Every step command can renew it at no cost (the renewal
/// rides in the same script), but the renewal costs the host a `date` process, so it is sent
/// only once a quarter of the lease has passed since the last one.
struct LeaseKeeper: Sendable {
    /// How long a lease lasts without renewal.
    static let lease: Duration = .seconds(600)

    private let clock: any RunClock
    private var renewedAt: ContinuousClock.Instant

    /// A lease taken now.
    init(clock: any RunClock) {
        self.clock = clock
        renewedAt = clock.now
    }

    /// Whether the next command should renew the lease.
    var isDue: Bool { renewedAt.duration(to: clock.now) > Self.lease / 4 }

    /// A command that renewed the lease reached the host.
    mutating func renewed() {
        renewedAt = clock.now
    }
}
