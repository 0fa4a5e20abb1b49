import Foundation

/// `--verbose`: each line a command prints, as it arrives, prefixed with its host, secrets
/// masked, terminal escape sequences and control characters dropped as in the plain output.
///
/// Each host's stdout and stderr go through a masking stream of their own before they are cut
/// into lines: a secret that spans lines (a private key read from a file) is masked whole,
/// where masking each line alone would let every line of it through.
public final class VerboseEcho: @unchecked Sendable {
    private let masker: SecretMasker
    private let sink: any TextSink
    private let lock = NSLock()
    private var streams: [String: SecretMasker.Stream] = [:]
    /// Masked bytes of a line whose newline has not arrived yet.
    private var partial: [String: [UInt8]] = [:]

    /// A line longer than this is let out in pieces.
    static let longestLine = 65_536

    public init(masker: SecretMasker, sink: any TextSink = FileDescriptorSink(fileDescriptor: 2)) {
        self.masker = masker
        self.sink = sink
    }

    public func write(host: String, chunk: OutputChunk) {
        lock.withLock {
            let key = host + "/" + chunk.stream.rawValue
            var stream = streams[key] ?? masker.makeStream()
            var buffer = partial[key, default: []] + stream.feed(chunk.bytes)
            streams[key] = stream
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                emit(host: host, buffer[..<newline])
                buffer.removeSubrange(...newline)
            }
            if buffer.count > Self.longestLine {
                emit(host: host, buffer[...])
                buffer = []
            }
            partial[key] = buffer
        }
    }

    private func emit(host: String, _ line: ArraySlice<UInt8>) {
        sink.write("  [\(host)] \(ConsoleReporter.stripControlCharacters(String(decoding: line, as: UTF8.self)))\n")
    }
}
