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
    ///
    /// The bookkeeping lives once in a shell function and each step is one call of it, so the
    /// script grows by little more than each step's own command: the host reads the script a
    /// byte at a time with the `read` builtin, so its size is what a long batch costs there.
    /// The script calls `journal`'s library (`RunJournal.library`); `guard` is the lock's guard
    /// function to run first.
    public func script(journal: RunJournal, pending: [JournalEvent], guard guardFunction: String?, startedAt: Date = Date()) -> String {
        // rollout_step INDEX NAME-JSON KIND-JSON EXPECTED SCRIPT: EXPECTED is the exit codes
        // that let the batch go on, space-separated, or `-` for a step whose failure is ignored.
        // Ctrl-C on the machine running rollout creates the stop file (see `Runner`): the step
        // in flight finishes, the next one does not start.
        var body = """
            rollout_stop=\(ShellWord.path(journal.stopPath))
            rollout_step() {
              [ -e "$rollout_stop" ] && exit 0
              printf '{"event":"step_started","index":%s,"name":%s,"kind":%s,"at":\(JournalEvent.milliseconds(startedAt))}\\n' "$1" "$2" "$3" >> "$rollout_journal"
              ( eval "$5"
              ) </dev/null
              rollout_status=$?
              printf '{"event":"step_ended","index":%s,"exit_code":%s,"at":null}\\n' "$1" "$rollout_status" >> "$rollout_journal"
              printf '\\n%s %s %s\\n' \(marker) "$1" "$rollout_status"
              printf '\\n%s %s %s\\n' \(marker) "$1" "$rollout_status" >&2
              case " $4 " in *" - "* | *" $rollout_status "*) ;; *) exit 0 ;; esac
            }

            """
        for member in members {
            var step = ""
            if let cwd = member.command.cwd { step += "cd -- \(ShellWord.path(cwd)) || exit\n" }
            for (key, value) in member.command.environment.sorted(by: { $0.key < $1.key }) {
                step += "export \(key)=\(ShellWord.quote(value))\n"
            }
            step += member.command.script
            let expected =
                member.continueOnFailure
                ? "-" : member.expectedExitCodes.isEmpty ? "0" : member.expectedExitCodes.map(String.init).joined(separator: " ")
            body +=
                "rollout_step \(member.index) \(ShellWord.quote(JSONText.quote(member.name))) \(ShellWord.quote(JSONText.quote(member.kind))) "
                + "\(ShellWord.quote(expected)) \(ShellWord.quote(step))\n"
        }
        let first = members[0]
        return journal.wrap(
            stepIndex: first.index, name: first.name, kind: first.kind, userScript: body, pending: pending,
            guard: guardFunction, startedAt: startedAt, recordsStep: false)
    }
}
