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
        let safeHost = String(
            host.unicodeScalars.map { scalar -> Character in
                let allowed = CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar)
                return allowed && scalar.isASCII ? Character(scalar) : "_"
            })
        return runsDirectory.appendingPathComponent("\(runID.rawValue)-\(safeHost).json")
    }

    /// Writes `record` atomically (temporary file, then rename) and returns where.
    @discardableResult
    public func save(_ record: RunRecord) throws -> URL {
        // Plain system calls: FileManager's createFile writes its own temporary copy and reads
        // attributes back, several milliseconds per record at the end of every run.
        for directory in [runsDirectory.deletingLastPathComponent(), runsDirectory] {
            guard mkdir(directory.path, 0o700) == 0 || errno == EEXIST else { throw Self.error(errno, directory) }
        }
        let url = fileURL(runID: record.runID, host: record.host)
        let temporary = runsDirectory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let data = try Self.encoder.encode(record)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.error(errno, temporary) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeError = errno
        close(fd)
        guard written == data.count, rename(temporary.path, url.path) == 0 else {
            let failure = written == data.count ? errno : writeError
            unlink(temporary.path)
            throw Self.error(failure, url)
        }
        return url
    }

    private static func error(_ code: Int32, _ url: URL) -> CocoaError {
        CocoaError(
            .fileWriteUnknown,
            userInfo: [
                NSFilePathErrorKey: url.path,
                NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(code)),
            ])
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
            guard
                let date = try? Date(
                    text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
            }
            return date
        }
        return decoder
    }
}
