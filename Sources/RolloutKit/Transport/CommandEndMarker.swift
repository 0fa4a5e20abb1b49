/// Finds, in one output stream of a `PersistentShell`, the text `<marker> <status>\n` the shell
/// writes after each command, and hands on every byte before it untouched.
///
/// The marker is random, so it is looked for anywhere, not only at the start of a line: output
/// that does not end in a newline stays as it was, and a newline is never held back (a
/// `--verbose` line shows as soon as it is complete). Only bytes that might be the start of the
/// marker wait for the next chunk, so a marker split across reads is still found and a near
/// miss is still delivered whole.
/// Bytes after the marker line (a background process of an earlier command still writing)
/// are kept for the next command rather than lost.
struct CommandEndMarker {
    private let tag: [UInt8]
    private var held: [UInt8] = []
    private var leftover: [UInt8] = []
    /// The rest of the marker line, after the marker and its space, once it was seen.
    private(set) var line: [UInt8]?
    /// The status the marker line carried (its rest as a number; -1 when it is not one).
    var status: Int32? { line.map { Int32(String(decoding: $0, as: UTF8.self)) ?? -1 } }

    init(marker: String) {
        tag = Array((marker + " ").utf8)
    }

    /// Takes the next chunk of the stream; returns the bytes that belong to the command.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard line == nil else {
            leftover.append(contentsOf: bytes)
            return []
        }
        held.append(contentsOf: bytes)
        if let start = firstTag() {
            let statusStart = start + tag.count
            guard let end = held[statusStart...].firstIndex(of: UInt8(ascii: "\n")) else {
                let output = Array(held[..<start])
                held.removeFirst(start)
                return output
            }
            line = Array(held[statusStart..<end])
            let output = Array(held[..<start])
            leftover = Array(held[(end + 1)...])
            held = []
            return output
        }
        let keep = partialTagLength()
        let output = Array(held.dropLast(keep))
        held.removeFirst(held.count - keep)
        return output
    }

    /// The bytes held back, for when the stream ended without a marker (the shell died).
    mutating func flush() -> [UInt8] {
        defer { held = [] }
        return held
    }

    /// Gets ready for the next command.
    mutating func next() {
        line = nil
        held = leftover
        leftover = []
    }

    private func firstTag() -> Int? {
        var index = held.startIndex
        while index + tag.count <= held.endIndex {
            if held[index] == tag[0] && held[index..<(index + tag.count)].elementsEqual(tag) { return index }
            index += 1
        }
        return nil
    }

    /// Length of the longest end of `held` that is a start of the tag.
    private func partialTagLength() -> Int {
        var length = min(tag.count - 1, held.count)
        while length > 0 {
            if held.suffix(length).elementsEqual(tag.prefix(length)) { return length }
            length -= 1
        }
        return 0
    }
}
