import Foundation
import Testing

@testable import RolloutKit

@Suite("Command end marker")
struct CommandEndMarkerTests {
    static let marker = "rollout-end-TEST"

    /// Feeds `stream` in pieces cut at `cuts` and returns what was handed on and the status.
    func scan(_ stream: String, cuttingAt cuts: [Int], into end: inout CommandEndMarker) -> (String, Int32?) {
        let bytes = Array(stream.utf8)
        var output: [UInt8] = []
        var start = 0
        for cut in cuts + [bytes.count] where cut >= start {
            output += bytes[start..<cut].withUnsafeBytes { end.scan($0) }
            start = cut
        }
        return (String(decoding: output, as: UTF8.self), end.status)
    }

    @Test("the marker line is found and removed wherever the reads split it")
    func everySplit() {
        let stream = "line one\nline two\n\(Self.marker) 3\n"
        for cut in 0...stream.utf8.count {
            var end = CommandEndMarker(marker: Self.marker)
            let (output, status) = scan(stream, cuttingAt: [cut], into: &end)
            #expect(output == "line one\nline two\n", "cut at \(cut)")
            #expect(status == 3, "cut at \(cut)")
        }
    }

    @Test("output without a final newline keeps its last line whole")
    func noTrailingNewline() {
        var end = CommandEndMarker(marker: Self.marker)
        let (output, status) = scan("partial\(Self.marker) 0\n", cuttingAt: [3], into: &end)
        #expect(output == "partial")
        #expect(status == 0)
    }

    @Test("something that only starts like the marker is output")
    func nearMiss() {
        var end = CommandEndMarker(marker: Self.marker)
        let near = "\nrollout-end-TES\n\(Self.marker)X 1\n"
        let (output, status) = scan(near + "\(Self.marker) 1\n", cuttingAt: [5, 14], into: &end)
        #expect(output == near)
        #expect(status == 1)
    }

    @Test("bytes after the marker line go to the next command, not lost")
    func leftover() {
        var end = CommandEndMarker(marker: Self.marker)
        let (first, status) = scan("a\n\(Self.marker) 0\nlate\n", cuttingAt: [], into: &end)
        #expect(first == "a\n")
        #expect(status == 0)
        end.next()
        #expect(end.status == nil)
        let (second, next) = scan("b\n\(Self.marker) 2\n", cuttingAt: [], into: &end)
        #expect(second == "late\nb\n")
        #expect(next == 2)
    }

    @Test("a complete line is handed on at once; only what may start the marker waits")
    func onlyMarkerPrefixesWait() {
        var end = CommandEndMarker(marker: Self.marker)
        let (line, _) = scan("Migrating...\n", cuttingAt: [], into: &end)
        #expect(line == "Migrating...\n")
        let (partial, status) = scan("done rollout-end", cuttingAt: [], into: &end)
        #expect(partial == "done ")
        #expect(status == nil)
        #expect(end.flush() == Array("rollout-end".utf8), "a stream that ends without a marker gives it back")
    }

    @Test("the shell's command line carries neither the marker nor program text")
    func shellCommandLine() {
        let line = PersistentShell.commandLine
        #expect(line.hasPrefix("exec /bin/sh -c '"))
        #expect(line.hasSuffix(". /dev/fd/0'"), "it runs what arrives on stdin")
        #expect(!line.contains("rollout-end-"))
    }

    /// Programs with quotes, a heredoc and an `exit` run whole, each followed by its markers; an
    /// assignment in place stays for the next command, an `exit` in a subshell ends only it.
    @Test("the script a real /bin/sh runs: each program whole, then its markers")
    func scriptRunByTheShell() throws {
        let marker = "rollout-end-TEST"
        let programs: [(String, Bool)] = [
            ("x='a'\\''b'; echo \"$x\" 'c d'; exit 3\n", false),
            ("rollout_seen=in-place\n", true),
            ("echo \"$rollout_seen\"; cat <<'EOF'\nline $1 'q' \\\nEOF\n", false),
        ]
        let script = programs.flatMap { PersistentShell.script(running: Array($0.0.utf8), inPlace: $0.1, marker: marker) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString)")
        try Data(script).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = try ShellProcess.run(PersistentShell.commandLine + " < '\(file.path)'")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "a'b c d\n\(marker) 3\n\(marker) 0\nin-place\nline $1 'q' \\\n\(marker) 0\n")
        #expect(outcome.stderr.hasSuffix("\n\(marker) 3\n\(marker) 0\n\(marker) 0\n"), "\(outcome.stderr)")
    }
}
