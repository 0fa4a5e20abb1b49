/// The last `limit` bytes of a stream, and how many came before them.
///
/// Appending is amortised O(1): the buffer grows to twice the limit before the front is cut,
/// so 100 MB of output costs at most 2 × `limit` bytes of memory. Dropped bytes are gone (the
/// `output` callback of `Transport.run` is the place to keep them).
struct OutputTail: Sendable {
    let limit: Int
    private var buffer: [UInt8] = []
    private(set) var droppedBytes = 0

    init(limit: Int) {
        self.limit = max(limit, 0)
    }

    mutating func append<C: Collection<UInt8>>(_ bytes: C) {
        buffer.append(contentsOf: bytes)
        if buffer.count > 2 * limit { trim() }
    }

    private mutating func trim() {
        let excess = buffer.count - limit
        guard excess > 0 else { return }
        buffer.removeFirst(excess)
        droppedBytes += excess
    }

    /// The kept tail, at most `limit` bytes.
    var bytes: [UInt8] {
        mutating get {
            trim()
            return buffer
        }
    }
}
