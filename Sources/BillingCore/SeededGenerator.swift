/// SplitMix64: a small, fast generator that gives the same sequence for the same seed, used for
/// identifiers that must be reproducible (`--seed`). Not for secrets.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Identifiers made of ASCII letters and digits, from a seed (reproducible) or the system's
/// random source.
enum AlphanumericIdentifier {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static func make(length: Int, using generator: inout some RandomNumberGenerator) -> String {
        String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func make(length: Int, seed: UInt64?) -> String {
        if let seed {
            var generator = SeededGenerator(seed: seed)
            return make(length: length, using: &generator)
        }
        var generator = SystemRandomNumberGenerator()
        return make(length: length, using: &generator)
    }
}
