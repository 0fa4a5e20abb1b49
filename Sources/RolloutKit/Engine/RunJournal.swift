public import Foundation

/// Shell text that keeps a host's run journal, `<state_dir>/runs/<run-id>.<host>.jsonl`,
/// without a round trip of its own.
///
/// Each step's command is wrapped so that, in one script, it appends `step_started`, runs
/// the step, appends `step_ended` with the exit code, and exits with the step's code. Events
/// only the engine knows (the run header, a step's verdict, the run's end) are rendered by
/// `append(_:)` and sent ahead of the next command. Everything written under `state_dir` is
/// created with umask 077.
public struct RunJournal: Sendable, Hashable {
    /// The host's state directory (`~/.rollout/<playbook>`): absolute, or starting with `~/`
    /// for the login user's home (a relative path would follow the step's `cwd`).
    public let stateDirectory: String
    public let runID: RunID
    /// The inventory host the journal is of. Hosts that are one machine and login user share a
    /// state directory, so each keeps its own file. Nil names the file records had before
    /// (`<run-id>.jsonl`), one per state directory.
    public let host: String?

    /// Exit status of a wrapped command that could not write the journal; the step's own
    /// script did not run.
    public static let unwritableExitCode: Int32 = 125

    /// Exit status of `stopScript` when the cut-off command's process group outlived SIGKILL
    /// (it runs as another user, or the host refuses the signal).
    public static let stillRunningExitCode: Int32 = 122

    public init(stateDirectory: String, runID: RunID, host: String?) {
        self.stateDirectory = stateDirectory
        self.runID = runID
        self.host = host
    }

    /// `<state_dir>/runs`.
    public var runsDirectory: String { Self.join(stateDirectory, "runs") }

    /// `<state_dir>/runs/<run-id>.stop`: created by the engine when the run is interrupted, so
    /// that a batch of steps in flight stops before its next step.
    public var stopPath: String { Self.join(runsDirectory, "\(runID.rawValue).stop") }

    /// `<state_dir>/runs/<run-id>.<host>.pgid`: the process group of the step command in
    /// flight on this host (empty between commands), so that a command the connection cut off
    /// can be found and ended over a new one before anything is undone.
    public var processGroupPath: String {
        Self.join(runsDirectory, String(Self.fileName(runID: runID, host: host).dropLast(".jsonl".count)) + ".pgid")
    }

    /// `<state_dir>/runs/<run-id>.<host>.jsonl` (`<run-id>.jsonl` without a host).
    public var path: String { Self.join(runsDirectory, Self.fileName(runID: runID, host: host)) }

    /// The journal's file name; characters of a host name that do not belong in one become `_`.
    static func fileName(runID: RunID, host: String?) -> String {
        guard let host else { return runID.rawValue + ".jsonl" }
        return runID.rawValue + "." + fileSafe(host) + ".jsonl"
    }

    /// `name` as part of a file name: characters other than letters, digits, `-`, `_` and `.`
    /// become `_`.
    static func fileSafe(_ name: String) -> String {
        String(
            name.unicodeScalars.map { scalar -> Character in
                ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || scalar == "-" || scalar == "_" || scalar == "." ? Character(scalar) : "_"
            })
    }

    /// Shell text that appends `events` to this run's journal on this host as it was written:
    /// the host's own file, or the one file of a record written before journals were per host.
    public func appendToRecorded(_ events: [JournalEvent]) -> String {
        let legacy = RunJournal(stateDirectory: stateDirectory, runID: runID, host: nil)
        let lines = events.map { ShellWord.quote($0.jsonLine) }.joined(separator: " ")
        return "f=\(ShellWord.path(path)); [ -f \"$f\" ] || f=\(ShellWord.path(legacy.path)); printf '%s\\n' \(lines) >> \"$f\""
    }

    /// Shell text that appends `events` (one line each) to the journal, creating it if needed;
    /// fails (non-zero) when it cannot. Put it ahead of the next command, joined with `&&` or
    /// on lines before it.
    public func append(_ events: [JournalEvent]) -> String {
        guard !events.isEmpty else { return ensureExists }
        let lines = events.map { ShellWord.quote($0.jsonLine) }.joined(separator: " ")
        return "\(ensureExists) && printf '%s\\n' \(lines) >> \(ShellWord.path(path))"
    }

    /// Creates the journal (0600, in a 0700 directory) unless it exists; only the first
    /// command of a run pays for the subshell, and the caller's umask is left alone.
    private var ensureExists: String {
        let file = ShellWord.path(path)
        return
            "{ [ -f \(file) ] || (umask 077 && mkdir -p -- \(ShellWord.path(runsDirectory)) && : >> \(file) && : >> \(ShellWord.path(processGroupPath))); }"
    }

    /// One script that records and runs a step:
    ///
    /// 1. runs `prologue` (e.g. the deploy lock's lease renewal) and appends `pending` events
    ///    (e.g. the previous step's verdict), then `step_started` at `startedAt`;
    ///    if any of that fails it exits with `unwritableExitCode` and the step does not run;
    /// 2. runs `userScript` in a shell of its own with the login umask (so neither its `exit`
    ///    nor a syntax error in it skips what follows), with its stdout, stderr and stdin untouched;
    /// 3. appends `step_ended` with the exit code, and exits with the step's code.
    ///
    /// With `recordsStep` false only the bookkeeping (1. without `step_started`) is done and
    /// `userScript` runs as 2. says, its exit status the script's: `StepBatch` journals each of
    /// its steps itself.
    ///
    /// Nothing in the bookkeeping starts a process: the times come from the engine (asking
    /// `date` twice cost more than the round trip itself), so the shell only runs builtins and
    /// the step's own subshell.
    ///
    /// Inside the step, `rollout_undo KEY VALUE` appends undo data for this step to the
    /// journal (call it before changing anything; it exits the step with `unwritableExitCode`
    /// when the journal cannot be written; control characters in KEY and VALUE are dropped),
    /// and `$rollout_journal` names the journal file. The step runs as a process group of its
    /// own (see `launch(_:stepIndex:keepingStdin:)`).
    public func wrap(
        stepIndex: Int, name: String, kind: String, userScript: String,
        pending: [JournalEvent] = [], prologue: String? = nil, startedAt: Date = Date(), recordsStep: Bool = true
    ) -> String {
        let started = JournalEvent.stepStartedPrefix(index: stepIndex, name: name, kind: kind)
        let ended = JournalEvent.stepEndedPrefix(index: stepIndex)
        // The host reads the script a byte at a time (`PersistentShell`): the bookkeeping is
        // kept short, the journal's path written once.
        var script = """
            rollout_journal=\(ShellWord.path(path))
            rollout_group=\(ShellWord.path(processGroupPath))
            command -v setsid >/dev/null 2>&1 && rollout_launch=setsid || rollout_launch=

            """
        if let prologue, !prologue.isEmpty {
            script += "{ \(prologue)\n} || exit $?\n"
        }
        var lines = pending.map { ShellWord.quote($0.jsonLine) }
        if recordsStep { lines.append(ShellWord.quote(started + JournalEvent.milliseconds(startedAt) + "}")) }
        let write = lines.isEmpty ? "" : " && printf '%s\\n' \(lines.joined(separator: " ")) >> \"$rollout_journal\""
        script += """
            { { [ -f "$rollout_journal" ] || (umask 077 && mkdir -p -- \(ShellWord.path(runsDirectory)) && : >> "$rollout_journal"); }\(write); } || { echo "rollout: cannot write the run journal $rollout_journal" >&2; exit \(Self.unwritableExitCode); }

            """
        guard recordsStep else {
            // A `StepBatch` writes each of its steps' events itself, all in one process group.
            return script + launch(userScript, stepIndex: stepIndex, keepingStdin: false) + "exit $rollout_status\n"
        }
        script += launch(userScript, stepIndex: stepIndex, keepingStdin: true)
        script += """
            printf '%s%s,"at":null}\\n' \(ShellWord.quote(ended)) "$rollout_status" >> "$rollout_journal"
            exit $rollout_status

            """
        return script
    }

    /// Shell text, inside `wrap` (for a `StepBatch` too), that runs `userScript` and sets
    /// `rollout_status` to its exit status.
    ///
    /// The script runs in a new session (`setsid`), so it and everything it starts form one
    /// process group whose ID, the launched shell's PID, is written to `processGroupPath`
    /// before the wrapper waits, and emptied after (a host without `setsid` gets `nosetsid`
    /// there, for `stopScript` to say it cannot tell): in the same round trip,
    /// so a command that a dropped connection leaves running can be ended by `stopScript`
    /// over the next connection. A TERM, INT or HUP the wrapper gets (a timeout, Ctrl-C) is
    /// passed on to that group. The script reaches the new shell as a here-document on a file
    /// descriptor, never on a command line, where `ps` would show its secrets; the
    /// `rollout_undo` helper (recording for step `stepIndex`) comes along with it.
    func launch(_ userScript: String, stepIndex: Int, keepingStdin: Bool) -> String {
        let delimiter = "ROLLOUT_SCRIPT_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let undoPrefix = "{\"event\":\"undo\",\"index\":\(stepIndex),\"key\":"
        // Only for a script that calls them: the host reads every byte of the script.
        let undoHelpers =
            userScript.contains("rollout_undo")
            ? """
            rollout_json() { printf '%s' "$1" | tr -d '\\000-\\037' | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g'; }
            rollout_undo() { printf '%s"%s","value":"%s"}\\n' \(ShellWord.quote(undoPrefix)) "$(rollout_json "$1")" "$(rollout_json "$2")" >> "$rollout_journal" || { echo "rollout: cannot write the run journal $rollout_journal" >&2; exit \(Self.unwritableExitCode); }; }

            """ : ""
        return """
            \(keepingStdin ? "exec 9<&0\n" : "")$rollout_launch /bin/sh /dev/fd/8 8<<'\(delimiter)' \(keepingStdin ? "<&9 9<&-" : "</dev/null") &
            exec 8<&-
            rollout_journal=\(ShellWord.path(path))
            \(undoHelpers)\(userScript)
            \(delimiter)
            rollout_pid=$!
            \(keepingStdin ? "exec 9<&-\n" : "")if [ -n "$rollout_launch" ]; then
              printf '%s\\n' "$rollout_pid" > "$rollout_group"
              trap 'kill -TERM -$rollout_pid 2>/dev/null' TERM INT HUP
            else
              echo nosetsid > "$rollout_group"
            fi
            wait $rollout_pid; rollout_status=$?
            while kill -0 $rollout_pid 2>/dev/null; do wait $rollout_pid; rollout_status=$?; done
            trap - TERM INT HUP
            : > "$rollout_group"

            """
    }

    /// Shell text that ends what is left of the command a dropped connection cut off: the
    /// process group `processGroupPath` names, if any of it still runs (zombies do not count),
    /// gets TERM, up to 3 s of grace, then KILL. Exits `stillRunningExitCode`, saying why on
    /// stderr, when some of it still runs after that (or the host could not start it as a group
    /// of its own); 0 otherwise, the file emptied.
    public var stopScript: String {
        """
        rollout_group=\(ShellWord.path(processGroupPath)); g=
        [ -s "$rollout_group" ] && read -r g < "$rollout_group"
        if [ "$g" = nosetsid ]; then
          echo "rollout: this host has no setsid (util-linux), so the command's processes cannot be told apart from others" >&2
          exit \(Self.stillRunningExitCode)
        fi
        case $g in ''|*[!0-9]*|0|1) g= ;; esac
        rollout_alive() {
          [ -d /proc/self ] || { kill -0 -"$g" 2>/dev/null; return; }
          for s in /proc/[0-9]*/stat; do
            l=; read -r l < "$s" 2>/dev/null || continue
            l=${l##*) }; set -- $l
            [ "$1" != Z ] && [ "$3" = "$g" ] && return 0
          done
          return 1
        }
        if [ -n "$g" ] && rollout_alive; then
          kill -TERM -"$g" 2>/dev/null; n=0
          while rollout_alive && [ $n -lt 30 ]; do sleep 0.1; n=$((n+1)); done
          kill -KILL -"$g" 2>/dev/null; n=0
          while rollout_alive && [ $n -lt 20 ]; do sleep 0.1; n=$((n+1)); done
          if rollout_alive; then echo "rollout: process group $g still runs after SIGKILL" >&2; exit \(Self.stillRunningExitCode); fi
        fi
        [ ! -s "$rollout_group" ] || : > "$rollout_group"
        """
    }

    /// Shell text that prints the journal of this run (for `rollout rollback`/`history`),
    /// exiting 1 with nothing printed when it does not exist.
    public var readScript: String {
        "cat -- \(ShellWord.path(path)) 2>/dev/null || exit 1"
    }

    /// Shell text that lists the run IDs journalled under `stateDirectory`, oldest first.
    public static func listScript(stateDirectory: String) -> String {
        "cd -- \(ShellWord.path(join(stateDirectory, "runs"))) 2>/dev/null || exit 0; for f in *.jsonl; do [ -e \"$f\" ] && printf '%s\\n' \"${f%.jsonl}\"; done"
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
