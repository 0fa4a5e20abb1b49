import Synchronization

/// The output of a `StepBatch` as it streams in, split into its steps on the way, each step
/// keeping a bounded tail of its own stdout and stderr.
///
/// Splitting the whole output once it had arrived lost steps: the transport keeps only the
/// last `outputLimit` bytes of a command, and a batch whose steps printed more than that
/// together lost the end-of-step lines of its first steps, which then counted as never run.
/// Here each step is bounded on its own, as a step sent alone is.
public final class StepBatchOutput: Sendable {
    private struct Stream {
        var end: CommandEndMarker
        var current: OutputTail
        /// A newline that ended the last bytes: the batch writes one before each end line (so
        /// that output without a final newline still leaves the marker at the start of a
        /// line), so it is the step's only if more output follows.
        var heldNewline = false
        /// Each finished step's bytes and exit status, by index.
        var steps: [Int: (status: Int32, tail: OutputTail)] = [:]
        let limit: Int

        init(marker: String, limit: Int) {
            end = CommandEndMarker(marker: marker)
            current = OutputTail(limit: limit)
            self.limit = limit
        }

        mutating func receive(_ bytes: UnsafeRawBufferPointer) {
            feed(end.scan(bytes))
            // A chunk may hold the ends of several steps: look again in what followed each.
            while let line = end.line {
                let fields = String(decoding: line, as: UTF8.self).split(separator: " ")
                if fields.count == 2, let index = Int(fields[0]), let status = Int32(fields[1]) {
                    steps[index] = (status, current)
                }
                current = OutputTail(limit: limit)
                heldNewline = false
                end.next()
                feed(end.scan(UnsafeRawBufferPointer(start: nil, count: 0)))
            }
        }

        private mutating func feed(_ bytes: [UInt8]) {
            guard let last = bytes.last else { return }
            if heldNewline { current.append(CollectionOfOne(UInt8(ascii: "\n"))) }
            heldNewline = last == UInt8(ascii: "\n")
            if heldNewline { current.append(bytes.dropLast()) } else { current.append(bytes) }
        }
    }

    private let state: Mutex<(stdout: Stream, stderr: Stream)>

    /// `limit`: bytes of each stream kept per step.
    public init(batch: StepBatch, limit: Int = 1 << 20) {
        state = Mutex((Stream(marker: batch.marker, limit: limit), Stream(marker: batch.marker, limit: limit)))
    }

    /// Takes the next chunk of the batch's output (the `output` callback of `Transport.run`).
    public func receive(_ chunk: OutputChunk) {
        chunk.bytes.withUnsafeBytes { bytes in
            state.withLock { streams in
                if chunk.stream == .stdout { streams.stdout.receive(bytes) } else { streams.stderr.receive(bytes) }
            }
        }
    }

    /// Each step's result, by index, for the steps that ran to their end; `duration` (the
    /// batch's) is shared evenly: the host does not time steps, which would cost a process each.
    public func results(duration: Duration) -> [Int: CommandResult] {
        state.withLock { streams in
            let ran = streams.stdout.steps.count
            var results: [Int: CommandResult] = [:]
            for (index, step) in streams.stdout.steps {
                var stdout = step.tail
                var stderr = streams.stderr.steps[index]?.tail ?? OutputTail(limit: 0)
                results[index] = CommandResult(
                    exitStatus: step.status, stdout: stdout.bytes, stderr: stderr.bytes,
                    stdoutTruncatedBytes: stdout.droppedBytes, stderrTruncatedBytes: stderr.droppedBytes,
                    duration: ran > 0 ? duration / ran : .zero)
            }
            return results
        }
    }
}
