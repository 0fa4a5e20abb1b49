/// Equality of two byte strings in time that depends only on their lengths, so that a forged
/// signature cannot be found byte by byte from response timings.
enum ConstantTimeComparison {
    static func equal(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
        let x = Array(a)
        let y = Array(b)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
