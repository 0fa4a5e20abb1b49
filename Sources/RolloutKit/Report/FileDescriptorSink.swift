import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes to a file descriptor (standard output by default), unbuffered. A write that fails is
/// dropped: output errors never stop a deploy. When the reader of a pipe is gone, `closed` is
/// told (once per write), so the run can stop in order.
public struct FileDescriptorSink: TextSink {
    public let fileDescriptor: Int32
    private let closed: (@Sendable () -> Void)?

    public init(fileDescriptor: Int32 = 1, closed: (@Sendable () -> Void)? = nil) {
        self.fileDescriptor = fileDescriptor
        self.closed = closed
    }

    public func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { systemWrite(fileDescriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno == EPIPE { closed?() }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// True when the descriptor is a terminal.
    public var isTerminal: Bool { isatty(fileDescriptor) == 1 }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
