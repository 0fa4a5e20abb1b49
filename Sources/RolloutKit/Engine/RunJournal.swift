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

    /// The shell functions every wrapped command of this run on this host calls (see `wrap`),
    /// with `guardFunctions` (the deploy lock's `rollout_check` and `rollout_renew`, see
    /// `DeployLock.guardFunctions`). Sent once per shell, so the text each step sends is little
    /// more than its own script.
    ///
    /// `rollout_run GUARD ENDED STDIN EVENT…` runs the script on file descriptor 8:
    ///
    /// 1. runs `GUARD` (a function name, or `:`), returning its status when it fails; appends the
    ///    `EVENT` lines to the journal, creating it if needed, or returns `unwritableExitCode`;
    /// 2. runs the script as a process group of its own (`setsid`), its stdin this shell's file
    ///    descriptor 9 when `STDIN` is 1, else /dev/null: the group's id, the launched shell's
    ///    PID, goes to `processGroupPath` before it waits and the file is emptied after (a host
    ///    without `setsid` gets `nosetsid` there, for `stopScript` to say it cannot tell), so a
    ///    command a dropped connection left running can be ended over the next connection. A
    ///    TERM, INT or HUP the caller gets (a timeout, Ctrl-C) is passed on to the group, and the
    ///    caller's shell exits once it ended: the shell may be a `PersistentShell` running the
    ///    call in place, which the signal was meant to end;
    /// 3. appends `step_ended` for step `ENDED` with the exit code (unless `ENDED` is `-`) and
    ///    returns the script's status.
    ///
    /// It returns rather than exits, and its variables are `rollout_`-prefixed, so that a
    /// `PersistentShell` can run the call in place. Nothing in it starts a process but the
    /// launch: the times come from the engine (asking `date` twice cost more than the round trip).
    public func library(guardFunctions: String = "") -> ShellLibrary {
        let runs = ShellWord.path(runsDirectory)
        return ShellLibrary(
            definitions: """
                rollout_journal=\(ShellWord.path(path))
                rollout_group=\(ShellWord.path(processGroupPath))
                \(Self.sessionFunctions)\(guardFunctions)rollout_run() {
                  $1 || return
                  command -v setsid >/dev/null 2>&1 && rollout_launch=setsid || rollout_launch=
                  rollout_ended=$2 rollout_in=$3 rollout_cut=; shift 3
                  { { [ -f "$rollout_journal" ] || (umask 077 && mkdir -p -- \(runs) && : >> "$rollout_journal"); } && { [ $# = 0 ] || printf '%s\\n' "$@" >> "$rollout_journal"; }; } || { echo "rollout: cannot write the run journal $rollout_journal" >&2; return \(Self.unwritableExitCode); }
                  if [ "$rollout_in" = 1 ]; then $rollout_launch /bin/sh /dev/fd/8 <&9 9<&- & else $rollout_launch /bin/sh /dev/fd/8 </dev/null & fi
                  rollout_pid=$!
                  if [ -n "$rollout_launch" ]; then
                    printf '%s\\n' "$rollout_pid" > "$rollout_group"
                    trap 'rollout_signal_session TERM $rollout_pid; rollout_cut=1' TERM INT HUP
                  else
                    echo nosetsid > "$rollout_group"
                  fi
                  wait $rollout_pid; rollout_status=$?
                  while kill -0 $rollout_pid 2>/dev/null; do wait $rollout_pid; rollout_status=$?; done
                  trap - TERM INT HUP
                  : > "$rollout_group"
                  [ "$rollout_ended" = - ] || printf '%s%s,"at":null}\\n' '{"event":"step_ended","index":'"$rollout_ended"',"exit_code":' "$rollout_status" >> "$rollout_journal"
                  [ -z "$rollout_cut" ] || exit $rollout_status
                  return $rollout_status
                }
                """)
    }

    /// The call of `rollout_run` (see `library`) that records and runs a step: `guard` first
    /// (a function of the library; nil for none), then `pending` events and `step_started` at
    /// `startedAt` (with `recordsStep`), then `userScript` in a shell of its own with the login
    /// umask (so neither its `exit` nor a syntax error in it skips what follows) and, with
    /// `keepingStdin`, the command's stdin; then `step_ended` with its exit code, which is the
    /// command's. A `cwd` is entered by the step's own shell: a directory that is missing fails
    /// the step, recorded like any other failure.
    ///
    /// With `recordsStep` false only the bookkeeping is done (no `step_started`, no
    /// `step_ended`): `StepBatch` journals each of its steps itself, all in one process group.
    ///
    /// Inside the step, `rollout_undo KEY VALUE` appends undo data for this step to the
    /// journal (call it before changing anything; it exits the step with `unwritableExitCode`
    /// when the journal cannot be written; control characters in KEY and VALUE are dropped),
    /// and `$rollout_journal` names the journal file. The script reaches the step's shell as a
    /// here-document on a file descriptor, never on a command line, where `ps` would show its
    /// secrets.
    public func wrap(
        stepIndex: Int, name: String, kind: String, userScript: String, cwd: String? = nil,
        pending: [JournalEvent] = [], guard guardFunction: String? = nil, startedAt: Date = Date(), recordsStep: Bool = true,
        keepingStdin: Bool = false
    ) -> String {
        var lines = pending.map { ShellWord.quote($0.jsonLine) }
        if recordsStep {
            lines.append(
                ShellWord.quote(JournalEvent.stepStartedPrefix(index: stepIndex, name: name, kind: kind) + JournalEvent.milliseconds(startedAt) + "}")
            )
        }
        let delimiter = "ROLLOUT_SCRIPT_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let undoPrefix = "{\"event\":\"undo\",\"index\":\(stepIndex),\"key\":"
        // Only for a script that calls them: the host reads every byte of the script.
        let undoHelpers =
            userScript.contains("rollout_undo")
            ? """
            rollout_json() { printf '%s' "$1" | tr -d '\\000-\\037' | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g'; }
            rollout_undo() { printf '%s"%s","value":"%s"}\\n' \(ShellWord.quote(undoPrefix)) "$(rollout_json "$1")" "$(rollout_json "$2")" >> "$rollout_journal" || { echo "rollout: cannot write the run journal $rollout_journal" >&2; exit \(Self.unwritableExitCode); }; }

            """ : ""
        let arguments = ([guardFunction ?? ":", recordsStep ? String(stepIndex) : "-", keepingStdin ? "1" : "0"] + lines).joined(separator: " ")
        return """
            rollout_run \(arguments) 8<<'\(delimiter)'\(keepingStdin ? " 9<&0" : "")
            exec 8<&-
            rollout_journal=\(ShellWord.path(path))
            \(undoHelpers)\(cwd.map { "cd -- \(ShellWord.path($0)) || exit 1\n" } ?? "")\(userScript)
            \(delimiter)

            """
    }

    /// Shell functions that find and signal what a step started, for `stopScript` and the
    /// wrapper's signal trap. `setsid` makes the step a session and a process group of the same
    /// ID, and a program in it may make a group of its own within that session (GNU `timeout`
    /// does, to signal its command's group): ending only the step's group would leave such a
    /// command running, writing after the undo. A program that made a session of its own (a
    /// daemon) is not the step's any more and is left alone.
    ///
    /// `rollout_session_groups SESSION` lists in `rollout_groups` the process groups of the
    /// session that have a live member (zombies do not count), failing when there is none; with
    /// no /proc it looks at the group SESSION alone. `rollout_signal_session SIGNAL SESSION`
    /// sends SIGNAL to each of them.
    static let sessionFunctions = """
        rollout_session_groups() {
          rollout_groups=; rollout_sid=$1
          [ -d /proc/self ] || { kill -0 -"$rollout_sid" 2>/dev/null && rollout_groups=$rollout_sid; [ -n "$rollout_groups" ]; return; }
          for rollout_stat in /proc/[0-9]*/stat; do
            rollout_fields=; { read -r rollout_fields < "$rollout_stat"; } 2>/dev/null || continue
            set -- ${rollout_fields##*) }
            [ "$1" != Z ] && [ "$4" = "$rollout_sid" ] || continue
            case " $rollout_groups " in *" $3 "*) ;; *) rollout_groups="$rollout_groups $3" ;; esac
          done
          [ -n "$rollout_groups" ]
        }
        rollout_signal_session() {
          rollout_signal=$1; rollout_session_groups "$2"
          kill -"$rollout_signal" -"$2" 2>/dev/null
          for rollout_pg in $rollout_groups; do [ "$rollout_pg" = "$2" ] || kill -"$rollout_signal" -"$rollout_pg" 2>/dev/null; done
        }

        """

    /// Shell text that ends what is left of the command a dropped connection cut off: the
    /// process group `processGroupPath` names and every other group of its session (see
    /// `sessionFunctions`), if any of it still runs (zombies do not count), gets TERM, up to 3 s
    /// of grace, then KILL. Exits `stillRunningExitCode`, saying why on stderr, when some of it
    /// still runs after that (or the host could not start it as a group of its own); 0
    /// otherwise, the file emptied.
    public var stopScript: String {
        """
        rollout_group=\(ShellWord.path(processGroupPath)); g=
        [ -s "$rollout_group" ] && read -r g < "$rollout_group"
        if [ "$g" = nosetsid ]; then
          echo "rollout: this host has no setsid (util-linux), so the command's processes cannot be told apart from others" >&2
          exit \(Self.stillRunningExitCode)
        fi
        case $g in ''|*[!0-9]*|0|1) g= ;; esac
        \(Self.sessionFunctions)if [ -n "$g" ] && rollout_session_groups "$g"; then
          rollout_signal_session TERM "$g"; n=0
          while rollout_session_groups "$g" && [ $n -lt 30 ]; do sleep 0.1; n=$((n+1)); done
          rollout_signal_session KILL "$g"; n=0
          while rollout_session_groups "$g" && [ $n -lt 20 ]; do sleep 0.1; n=$((n+1)); done
          if rollout_session_groups "$g"; then echo "rollout: process group $g (or a group it started) still runs after SIGKILL" >&2; exit \(Self.stillRunningExitCode); fi
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
