public import Foundation

/// Names one run: its UTC start time to the second, then random hex, e.g. `20261123T134501Z-3f9a`.
///
/// IDs sort by start time as plain strings, so a directory listing of `runs/` is in run order,
/// and the random part keeps two runs started in the same second apart.
public struct RunID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The ID as written in records, file names and commands.
    public let rawValue: String

    /// Accepts only the form `generate` produces, so an ID from a command line or a file name
    /// can be used in paths and shell text without quoting surprises.
    public init?(_ rawValue: String) {
        guard Self.isWellFormed(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A new ID for a run starting at `date`.
    public static func generate(at date: Date = Date()) -> RunID {
        var rng = SystemRandomNumberGenerator()
        return generate(at: date, using: &rng)
    }

    /// A new ID for a run starting at `date`, drawing the random part from `generator`.
    public static func generate(at date: Date, using generator: inout some RandomNumberGenerator) -> RunID {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        let suffix = String(format: "%04x", UInt16.random(in: 0...UInt16.max, using: &generator))
        return RunID(uncheckedRawValue: "\(stamp)-\(suffix)")
    }

    /// The start time encoded in the ID (to the second).
    public var startTime: Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let d = Array(rawValue.utf8)
        func number(_ from: Int, _ count: Int) -> Int {
            d[from..<(from + count)].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        let components = DateComponents(
            year: number(0, 4), month: number(4, 2), day: number(6, 2),
            hour: number(9, 2), minute: number(11, 2), second: number(13, 2))
        return calendar.date(from: components)
    }

    public var description: String { rawValue }

    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard Self.isWellFormed(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a run id (expected e.g. 20261123T134501Z-3f9a): \(text)")
        }
        rawValue = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    private static func isWellFormed(_ text: String) -> Bool {
        // yyyymmddThhmmssZ-hhhh (the hex part may be longer, for IDs from future versions)
        let bytes = Array(text.utf8)
        guard bytes.count >= 21, bytes.count <= 40 else { return false }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f")) }
        return bytes[0..<8].allSatisfy(isDigit)
            && bytes[8] == UInt8(ascii: "T")
            && bytes[9..<15].allSatisfy(isDigit)
            && bytes[15] == UInt8(ascii: "Z")
            && bytes[16] == UInt8(ascii: "-")
            && bytes[17...].allSatisfy(isHex)
    }
}
