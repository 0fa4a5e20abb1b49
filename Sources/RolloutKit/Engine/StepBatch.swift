public import Foundation

/// Consecutive one-command steps sent to a host as one script: one round trip instead of one
/// per step, with each step still journalled, judged and reported on its own.
///
/// The script runs the steps in order, each in its own subshell with its own `cwd` and
/// environment, all in one process group of their own (see `RunJournal.launch`: one `setsid`
/// per batch, not per step), and stops after the first that fails (unless its failure is
/// ignored). After each step it writes a line with a random marker, the step's index and its
/// exit status to both stdout and stderr, which is how the output is split back into steps.
public struct StepBatch: Sendable {
    /// One step of the batch.
    public struct Member: Sendable {
        public var index: Int
        public var name: String
        public var kind: String
        public var command: RemoteCommand
        public var expectedExitCodes: [Int]
        /// Keep going after this step fails.
        public var continueOnFailure: Bool

        public init(index: Int, name: String, kind: String, command: RemoteCommand, expectedExitCodes: [Int], continueOnFailure: Bool) {
            self.index = index
            self.name = name
            self.kind = kind
            self.command = command
            self.expectedExitCodes = expectedExitCodes
            self.continueOnFailure = continueOnFailure
        }
    }

    public var members: [Member]
    /// Separates the steps' output; random so that no command prints it by chance.
    public let marker: String

    public init(members: [Member], marker: String = "rollout-step-end-" + UUID().uuidString) {
        self.members = members
        self.marker = marker
    }

    /// Whether any step's command carries a secret (the whole script then travels on stdin).
    public var sensitive: Bool { members.contains { $0.command.sensitive } }

    /// The script, with the journal's bookkeeping for every step.
    public func script(journal: RunJournal, pending: [JournalEvent], prologue: String?, startedAt: Date = Date()) -> String {
        var body = ""
        for (position, member) in members.enumerated() {
            if position > 0 {
                // Ctrl-C on the machine running rollout creates this file (see `Runner`): the
                // step in flight finishes, the next one does not start.
                body += "[ -e \(ShellWord.path(journal.stopPath)) ] && exit 0\n"
            }
            var step = ""
            if let cwd = member.command.cwd { step += "cd -- \(ShellWord.path(cwd)) || exit\n" }
            for (key, value) in member.command.environment.sorted(by: { $0.key < $1.key }) {
                step += "export \(key)=\(ShellWord.quote(value))\n"
            }
            step += member.command.script
            let expected = member.expectedExitCodes.map(String.init).joined(separator: "|")
            body += """
                printf '%s\\n' \(ShellWord.quote(JournalEvent.stepStartedPrefix(index: member.index, name: member.name, kind: member.kind) + JournalEvent.milliseconds(startedAt) + "}")) >> "$rollout_journal"
                ( eval \(ShellWord.quote(step))
                ) </dev/null
                rollout_status=$?
                printf '%s%s,"at":null}\\n' \(ShellWord.quote(JournalEvent.stepEndedPrefix(index: member.index))) "$rollout_status" >> "$rollout_journal"
                printf '\\n%s %s %s\\n' \(marker) \(member.index) "$rollout_status"
                printf '\\n%s %s %s\\n' \(marker) \(member.index) "$rollout_status" >&2

                """
            if !member.continueOnFailure {
                body += "case $rollout_status in \(expected.isEmpty ? "0" : expected)) ;; *) exit 0 ;; esac\n"
            }
        }
        let first = members[0]
        return journal.wrap(
            stepIndex: first.index, name: first.name, kind: first.kind, userScript: body, pending: pending,
            prologue: prologue, startedAt: startedAt, recordsStep: false)
    }

    /// Each step's result, in order, for the steps that ran; `duration` is shared evenly (the
    /// host does not time steps, which would cost a process each).
    public func results(from batch: CommandResult) -> [Int: CommandResult] {
        let stdout = split(batch.stdout)
        let stderr = split(batch.stderr)
        var results: [Int: CommandResult] = [:]
        let ran = stdout.count
        for (index, (status, bytes)) in stdout {
            let errors = stderr[index]?.bytes ?? []
            results[index] = CommandResult(
                exitStatus: status, stdout: bytes, stderr: errors,
                duration: ran > 0 ? batch.duration / ran : .zero)
        }
        return results
    }

    /// Output per step index, with its exit status, from one stream.
    private func split(_ output: [UInt8]) -> [Int: (status: Int32, bytes: [UInt8])] {
        let tag = Array(("\n" + marker + " ").utf8)
        var segments: [Int: (Int32, [UInt8])] = [:]
        var start = output.startIndex
        var cursor = output.startIndex
        while cursor + tag.count <= output.endIndex {
            guard output[cursor] == tag[0], Array(output[cursor..<(cursor + tag.count)]) == tag else {
                cursor += 1
                continue
            }
            let lineStart = cursor + tag.count
            guard let lineEnd = output[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let fields = String(decoding: output[lineStart..<lineEnd], as: UTF8.self).split(separator: " ")
            if fields.count == 2, let index = Int(fields[0]), let status = Int32(fields[1]) {
                segments[index] = (status, Array(output[start..<cursor]))
            }
            start = lineEnd + 1
            cursor = start
        }
        return segments
    }
}
