import Foundation

/// Replaces every secret value with `***` in text and in byte streams.
///
/// Besides each secret as written, it masks the forms a secret commonly takes on its way
/// through a command's output or a provider's answer: percent-encoded (URLs, form bodies, with
/// `%20` or `+` for a space, upper- or lower-case hex), JSON-escaped, HTML-escaped (`&amp;`,
/// `&lt;`, `&gt;`, a quote as `&quot;` or `&#34;`, an apostrophe as `&#x27;` or `&#39;`, each
/// quote also left as it is), and the standard base64 of the whole value, with or without its
/// `=` padding. Other transformations (a secret inside a longer base64 text, hashed, cut) are
/// not recognised. Every secret is masked whatever its length, even a single character. Where
/// secrets overlap, the whole covered stretch becomes one `***`.
public struct SecretMasker: Sendable {
    /// What a secret is replaced with.
    public static let mask: [UInt8] = Array("***".utf8)

    /// Each distinct byte pattern to mask, grouped by its first byte, longest first.
    private let patternsByFirstByte: [UInt8: [[UInt8]]]

    /// Length of the longest pattern, 0 when there are no secrets.
    public let maxPatternLength: Int

    /// A masker for `secrets`; empty strings are ignored.
    public init(secrets: some Sequence<String>) {
        self.init(patterns: Self.patterns(of: secrets))
    }

    /// This masker that also masks `secrets` (values that became known during the run, like a
    /// token a check captured).
    public func adding(secrets: some Sequence<String>) -> SecretMasker {
        let added = Self.patterns(of: secrets)
        // A suite run calls this after every response; most add nothing new.
        if added.allSatisfy({ patternsByFirstByte[$0[0]]?.contains($0) == true }) { return self }
        return SecretMasker(patterns: added.union(patternsByFirstByte.values.joined()))
    }

    private static func patterns(of secrets: some Sequence<String>) -> Set<[UInt8]> {
        var patterns = Set<[UInt8]>()
        for secret in secrets where !secret.isEmpty {
            for form in Self.encodedForms(of: secret) where !form.isEmpty {
                patterns.insert(form)
            }
        }
        return patterns
    }

    private init(patterns: Set<[UInt8]>) {
        var grouped: [UInt8: [[UInt8]]] = [:]
        for pattern in patterns {
            grouped[pattern[0], default: []].append(pattern)
        }
        for key in grouped.keys {
            grouped[key]!.sort { $0.count > $1.count }
        }
        patternsByFirstByte = grouped
        maxPatternLength = patterns.map(\.count).max() ?? 0
    }

    /// A masker that masks nothing.
    public static let none = SecretMasker(secrets: [])

    /// True when there is nothing to mask.
    public var isEmpty: Bool { maxPatternLength == 0 }

    /// `text` with every secret replaced by `***`.
    public func mask(_ text: String) -> String {
        if isEmpty { return text }
        return String(decoding: mask(Array(text.utf8)), as: UTF8.self)
    }

    /// `bytes` with every secret replaced by `***`.
    public func mask(_ bytes: [UInt8]) -> [UInt8] {
        var stream = makeStream()
        var out = stream.feed(bytes)
        out += stream.finish()
        return out
    }

    /// A stream that masks secrets split across chunks.
    public func makeStream() -> Stream {
        Stream(masker: self)
    }

    /// Masks a byte stream chunk by chunk.
    ///
    /// A secret may arrive split across chunks, lines included (a private key), so the stream
    /// holds back the tail of what it has seen that could still be the start of a secret (more
    /// only while a masked stretch is still open) until the next chunk or `finish()`: output
    /// that cannot begin a secret passes at once, which lets a reader show it line by line.
    public struct Stream: Sendable {
        private let masker: SecretMasker
        /// Bytes seen but not yet emitted.
        private var pending: [UInt8] = []
        /// How many leading bytes of `pending` an already emitted match covers.
        private var coveredPrefix = 0
        /// Whether the last emitted byte belonged to a masked stretch, so one stretch split
        /// across emissions still becomes a single `***`.
        private var lastEmittedWasMasked = false

        init(masker: SecretMasker) {
            self.masker = masker
        }

        /// Bytes now safe to pass on (masked), possibly fewer than were fed.
        public mutating func feed(_ chunk: [UInt8]) -> [UInt8] {
            if masker.isEmpty { return chunk }
            pending += chunk
            return drain(final: false)
        }

        /// Everything still held back, masked. The stream is empty afterwards.
        public mutating func finish() -> [UInt8] {
            if masker.isEmpty { return [] }
            return drain(final: true)
        }

        private mutating func drain(final: Bool) -> [UInt8] {
            let count = pending.count
            let safe = final ? count : masker.undecidedTail(of: pending)
            if safe == 0 { return [] }
            var covered = [Bool](repeating: false, count: count)
            for i in 0..<min(coveredPrefix, count) { covered[i] = true }
            // Matches starting before `safe` are complete; later ones are found again next time.
            var coveredBeyondSafe = coveredPrefix
            for start in 0..<safe {
                guard let length = masker.longestMatch(in: pending, at: start) else { continue }
                for i in start..<(start + length) { covered[i] = true }
                coveredBeyondSafe = max(coveredBeyondSafe, start + length)
            }
            var out: [UInt8] = []
            out.reserveCapacity(safe)
            var previousMasked = lastEmittedWasMasked
            for i in 0..<safe {
                if covered[i] {
                    if !previousMasked { out += SecretMasker.mask }
                    previousMasked = true
                } else {
                    out.append(pending[i])
                    previousMasked = false
                }
            }
            lastEmittedWasMasked = previousMasked
            coveredPrefix = max(0, coveredBeyondSafe - safe)
            pending.removeFirst(safe)
            if final {
                coveredPrefix = 0
                lastEmittedWasMasked = false
            }
            return out
        }
    }

    /// Where the tail of `bytes` that is a proper prefix of some pattern begins (`bytes.count`
    /// when none is): before it, every match is complete, and no longer one can still start.
    private func undecidedTail(of bytes: [UInt8]) -> Int {
        let count = bytes.count
        for start in max(0, count - (maxPatternLength - 1))..<count {
            guard let candidates = patternsByFirstByte[bytes[start]] else { continue }
            let available = count - start
            for pattern in candidates where pattern.count > available {
                var i = 1
                while i < available && bytes[start + i] == pattern[i] { i += 1 }
                if i == available { return start }
            }
        }
        return count
    }

    /// Length of the longest pattern that occurs in `bytes` at `start`.
    private func longestMatch(in bytes: [UInt8], at start: Int) -> Int? {
        guard let candidates = patternsByFirstByte[bytes[start]] else { return nil }
        let available = bytes.count - start
        for pattern in candidates where pattern.count <= available {
            var i = 1
            while i < pattern.count && bytes[start + i] == pattern[i] { i += 1 }
            if i == pattern.count { return pattern.count }
        }
        return nil
    }

    /// The secret itself and the encodings it is likely to appear in.
    static func encodedForms(of secret: String) -> [[UInt8]] {
        let raw = Array(secret.utf8)
        var forms: [[UInt8]] = [raw]
        for upper in [true, false] {
            forms.append(percentEncoded(raw, spaceAsPlus: false, upperHex: upper))
            forms.append(percentEncoded(raw, spaceAsPlus: true, upperHex: upper))
        }
        forms.append(jsonEscaped(raw, escapeSlash: false))
        forms.append(jsonEscaped(raw, escapeSlash: true))
        forms.append(jsonEscapedASCII(secret))
        forms += htmlEscaped(raw)
        let base64 = Data(raw).base64EncodedString()
        forms.append(Array(base64.utf8))
        forms.append(Array(base64.replacingOccurrences(of: "=", with: "").utf8))
        return forms
    }

    /// The escapings of HTML templates and libraries: `&`, `<` and `>` always; quotes as
    /// Python's `html.escape` (`&quot;`, `&#x27;`), Go's `html.EscapeString` (`&#34;`,
    /// `&#39;`) and the mixes others use, or left alone.
    private static func htmlEscaped(_ raw: [UInt8]) -> [[UInt8]] {
        var forms: [[UInt8]] = []
        for quote in [#"""#, "&quot;", "&#34;"] {
            for apostrophe in ["'", "&#x27;", "&#39;"] {
                var out: [UInt8] = []
                for b in raw {
                    switch b {
                    case UInt8(ascii: "&"): out += Array("&amp;".utf8)
                    case UInt8(ascii: "<"): out += Array("&lt;".utf8)
                    case UInt8(ascii: ">"): out += Array("&gt;".utf8)
                    case UInt8(ascii: "\""): out += Array(quote.utf8)
                    case UInt8(ascii: "'"): out += Array(apostrophe.utf8)
                    default: out.append(b)
                    }
                }
                forms.append(out)
            }
        }
        return forms
    }

    private static func percentEncoded(_ raw: [UInt8], spaceAsPlus: Bool, upperHex: Bool) -> [UInt8] {
        let digits = Array((upperHex ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var out: [UInt8] = []
        for b in raw {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: " ") where spaceAsPlus:
                out.append(UInt8(ascii: "+"))
            default:
                out += [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 0xF)]]
            }
        }
        return out
    }

    private static func jsonEscaped(_ raw: [UInt8], escapeSlash: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for b in raw {
            switch b {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case UInt8(ascii: "/") where escapeSlash: out += Array(#"\/"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
            default: out.append(b)
            }
        }
        return out
    }

    /// JSON with every non-ASCII character as `\uXXXX` (Python's `json.dumps` default).
    private static func jsonEscapedASCII(_ secret: String) -> [UInt8] {
        var out: [UInt8] = []
        for unit in secret.utf16 {
            if unit < 0x80 {
                out += jsonEscaped([UInt8(unit)], escapeSlash: false)
            } else {
                out += Array(String(format: "\\u%04x", unit).utf8)
            }
        }
        return out
    }
}
