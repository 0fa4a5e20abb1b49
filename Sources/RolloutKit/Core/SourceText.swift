/// A file's text indexed by line, so a position inside it is found without rescanning the
/// whole file for every template.
final class SourceText: Sendable {
    let scalars: [Unicode.Scalar]
    /// Offset in `scalars` where each line starts (line 1 at index 0).
    let lineStarts: [Int]

    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var starts = [0]
        for (index, scalar) in scalars.enumerated() where scalar == "\n" { starts.append(index + 1) }
        self.scalars = scalars
        self.lineStarts = starts
    }

    /// The offset of `location`, clamped to the text.
    func offset(of location: FileLocation) -> Int {
        guard location.line >= 1, location.line <= lineStarts.count else { return scalars.count }
        return min(scalars.count, lineStarts[location.line - 1] + max(0, location.column - 1))
    }

    /// The location of `offset`.
    func location(of offset: Int, file: String) -> FileLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return FileLocation(file: file, line: low + 1, column: offset - lineStarts[low] + 1)
    }
}
