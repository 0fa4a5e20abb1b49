/// At most `limit` hosts of one sshd (address and port) connecting at once.
///
/// sshd starts dropping new unauthenticated connections at random once 10 are pending (its
/// default `MaxStartups 10:30:100`), so a run that connects to many inventory hosts that are
/// one server (containers or sites behind one address) would see some of them reset. Hosts of
/// different servers are not held up by each other.
actor HandshakeGate {
    /// Below sshd's default of 10, so that a login of another client still gets in.
    static let perServer = 8

    private let limit: Int
    private var inFlight: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int = HandshakeGate.perServer) {
        self.limit = max(1, limit)
    }

    /// Waits until `server` has a free slot, and takes it.
    func enter(_ server: String) async {
        if inFlight[server, default: 0] < limit {
            inFlight[server, default: 0] += 1
            return
        }
        await withCheckedContinuation { waiting[server, default: []].append($0) }
    }

    /// Gives the slot taken by `enter` to the next host waiting for `server`, if any.
    func leave(_ server: String) {
        if var queue = waiting[server], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[server] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            inFlight[server, default: 1] -= 1
        }
    }
}
