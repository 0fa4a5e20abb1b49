/// Collects one command's stdout and stderr: strips the bootstrap's PID line from stderr,
/// forwards every other byte to the caller's callback, and keeps a bounded tail of each stream.
struct CommandOutput {
    private var stdoutTail: OutputTail
    private var stderrTail: OutputTail
    private let callback: (@Sendable (OutputChunk) -> Void)?
    private var header: [UInt8] = []
    /// PID of the remote shell, once its first stderr line has arrived.
    private(set) var processID: Int32?
    private var headerDone: Bool

    /// `processGroupHeader` false: stderr does not start with the bootstrap's PID line (a
    /// `PersistentShell` writes it once, before its first command only).
    init(limit: Int, callback: (@Sendable (OutputChunk) -> Void)?, processGroupHeader: Bool = true) {
        stdoutTail = OutputTail(limit: limit)
        stderrTail = OutputTail(limit: limit)
        self.callback = callback
        headerDone = !processGroupHeader
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer, from stream: OutputStreamKind) {
        guard !bytes.isEmpty else { return }
        if stream == .stderr && !headerDone {
            var rest = bytes[...]
            while let byte = rest.first, !headerDone {
                rest = rest.dropFirst()
                if byte == 10 {
                    headerDone = true
                    processID = Int32(String(decoding: header, as: UTF8.self))
                } else if (48...57).contains(byte) && header.count < 12 {
                    header.append(byte)
                } else {
                    // Not our header (the shell failed before writing it): pass it all on.
                    headerDone = true
                    deliver(header + [byte], to: .stderr)
                }
            }
            if !rest.isEmpty { deliver(Array(rest), to: .stderr) }
            return
        }
        deliver(Array(bytes), to: stream)
    }

    private mutating func deliver(_ bytes: [UInt8], to stream: OutputStreamKind) {
        guard !bytes.isEmpty else { return }
        switch stream {
        case .stdout: stdoutTail.append(bytes)
        case .stderr: stderrTail.append(bytes)
        }
        callback?(OutputChunk(stream: stream, bytes: bytes))
    }

    mutating func result(exitStatus: Int32?, exitSignal: String?, duration: Duration) -> CommandResult {
        CommandResult(
            exitStatus: exitStatus, exitSignal: exitSignal,
            stdout: stdoutTail.bytes, stderr: stderrTail.bytes,
            stdoutTruncatedBytes: stdoutTail.droppedBytes, stderrTruncatedBytes: stderrTail.droppedBytes,
            duration: duration)
    }
}
