import Foundation

/// Keeps everything written, for tests and for showing output later.
public final class TextBuffer: TextSink, @unchecked Sendable {
    private let lock = NSLock()
    private var storage = ""

    public init() {}

    public func write(_ text: String) {
        lock.withLock { storage += text }
    }

    /// Everything written so far.
    public var text: String { lock.withLock { storage } }
}
