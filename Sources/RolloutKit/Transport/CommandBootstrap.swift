import Foundation

/// How a `RemoteCommand` reaches a shell without its secrets ever appearing on a command line.
///
/// The command line carries only a fixed bootstrap: `exec /bin/sh -c '…'` that reads exactly
/// N lines from stdin with the `read` builtin and `eval`s them. Those lines are the program:
/// the `export`s, the `cd`, then the script. `read` consumes a pipe byte by byte up to each
/// newline, never beyond, so everything after the program (the caller's stdin bytes) reaches
/// the script untouched; and being a builtin it costs no fork (`head -c` cost a millisecond).
/// Before that the shell writes its process group ID on stderr as one line; `CommandOutput`
/// strips it and the transport uses it to kill the whole group on timeout (sshd and
/// `LocalTransport` start each command in a group of its own). All of it travels in the same
/// write as the stdin, so it costs no extra round trip.
struct CommandBootstrap: Sendable, Equatable {
    /// What to run: argument of `sh -c` (local) or the SSH exec request (remote).
    var commandLine: String
    /// Bytes to send on stdin, before anything else.
    var program: [UInt8]
    /// Lines in `program`.
    var lineCount: Int

    /// With `definingLibrary` false the program leaves out the command's `ShellLibrary`: the
    /// shell that runs it (a `PersistentShell`) has the definitions already.
    init(_ command: RemoteCommand, endpoint: String, definingLibrary: Bool = true) throws(TransportError) {
        var text = definingLibrary ? command.library?.definitions ?? "" : ""
        for name in command.environment.keys.sorted() {
            guard Self.isShellName(name) else {
                throw .invalidConfiguration(
                    endpoint: endpoint,
                    problem: "environment variable name \"\(name)\" is not a valid shell name (letters, digits, _)")
            }
            text += "export \(name)=\(Self.quote(command.environment[name]!))\n"
        }
        if let cwd = command.cwd {
            text += "cd -- \(Self.quote(cwd)) || exit 1\n"
        }
        text += command.script
        if !text.hasSuffix("\n") { text += "\n" }
        program = Array(text.utf8)
        lineCount = program.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        commandLine =
            "exec /bin/sh -c '\(Self.processGroupHeader) n=\(lineCount); s=; "
            + "while [ $n -gt 0 ] && IFS= read -r l; do s=\"$s$l\n\"; n=$((n-1)); done; eval \"$s\"'"
    }

    /// Writes the shell's process group ID on stderr as one line, with builtins only (no fork):
    /// field 5 of /proc/PID/stat, or the PID where there is no /proc.
    static let processGroupHeader = "{ read -r _ _ _ _ g _ < /proc/$$/stat && echo $g || echo $$; } >&2;"

    /// Quotes `value` for a POSIX shell, so that it stays one word whatever it holds.
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func isShellName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first) else { return false }
        return name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// A script that ends the process group `pid` (dash's `kill` knows no `--`): TERM, up to 3 s of grace, then KILL.
    static func killScript(processGroup pid: Int32) -> String {
        "kill -TERM -\(pid) 2>/dev/null; n=0; "
            + "while kill -0 -\(pid) 2>/dev/null && [ $n -lt 30 ]; do sleep 0.1; n=$((n+1)); done; "
            + "kill -KILL -\(pid) 2>/dev/null; exit 0"
    }
}
