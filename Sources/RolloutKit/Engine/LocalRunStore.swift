public import Foundation

/// The local copy of run records: `<directory>/.rollout/runs/<run-id>-<host>.json`, pretty JSON,
/// readable only by the user (0600 files in a 0700 directory).
public struct LocalRunStore: Sendable {
    /// Where `.rollout/runs/` is kept (the project directory).
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// `<directory>/.rollout/runs`.
    public var runsDirectory: URL {
        directory.appendingPathComponent(".rollout").appendingPathComponent("runs")
    }

    /// The file for `runID` on `host`; characters that are not safe in a file name become `_`.
    public func fileURL(runID: RunID, host: String) -> URL {
        let safeHost = String(host.unicodeScalars.map { scalar -> Character in
            let allowed = CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar)
            return allowed && scalar.isASCII ? Character(scalar) : "_"
        })
        return runsDirectory.appendingPathComponent("\(runID.rawValue)-\(safeHost).json")
    }

    /// Writes `record` atomically (temporary file, then rename) and returns where.
    @discardableResult
    public func save(_ record: RunRecord) throws -> URL {
        let fm = FileManager.default
        let rolloutDirectory = runsDirectory.deletingLastPathComponent()
        for dir in [rolloutDirectory, runsDirectory] where !fm.fileExists(atPath: dir.path) {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let url = fileURL(runID: record.runID, host: record.host)
        let temporary = runsDirectory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let data = try Self.encoder.encode(record)
        guard fm.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? fm.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        return url
    }

    /// Reads the record of `runID` on `host`.
    public func load(runID: RunID, host: String) throws -> RunRecord {
        try Self.decoder.decode(RunRecord.self, from: Data(contentsOf: fileURL(runID: runID, host: host)))
    }

    /// Every record kept, oldest run first.
    public func all() throws -> [RunRecord] {
        guard FileManager.default.fileExists(atPath: runsDirectory.path) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: runsDirectory.path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
        return try names.map { try Self.decoder.decode(RunRecord.self, from: Data(contentsOf: runsDirectory.appendingPathComponent($0))) }
    }

    /// Pretty, sorted keys and ISO 8601 times with milliseconds.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
        return encoder
    }

    /// Reads what `encoder` writes.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
            }
            return date
        }
        return decoder
    }
}
