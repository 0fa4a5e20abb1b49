import Foundation

/// This test process as the servers it starts know it. PIDs are reused quickly here
/// (`pid_max` is 32768 and builds fork thousands of processes), so a PID alone named a stale
/// server's directory, and kept a watchdog of a finished test process watching its successor
/// forever: the PID plus the process's start time (in clock ticks since boot) cannot repeat.
public enum TestProcess {
    /// The start time of this process, field 22 of `/proc/self/stat`.
    static let startTicks: String = {
        let stat = (try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8)) ?? ""
        // The command name (field 2) may hold spaces; the fields after it do not.
        guard let end = stat.range(of: ") ", options: .backwards) else { return "0" }
        let fields = stat[end.upperBound...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : "0"
    }()

    /// Names this process's server directories: unlike the PID, never the same as that of a
    /// finished test process whose servers are still going down.
    public static let id = "\(getpid())-\(startTicks)"

    /// A shell condition true while this process runs (for watchdogs that stop its servers).
    public static var isRunningCondition: String {
        // Double quotes only: callers put it inside single-quoted `bash -c` scripts. Builtins
        // only: a watchdog asks twice a second for as long as the tests run.
        #"{ rollout_test_alive() { local l; IFS= read -r l < /proc/\#(getpid())/stat || return 1; l=${l##*) }; set -- $l; [ "$1" != Z ] && [ "${20}" = \#(startTicks) ]; }; rollout_test_alive; } 2>/dev/null"#
    }
}
