import Foundation

/// What this machine's process table says, from /proc: whether a process still runs.
///
/// A process that ended but that no parent reaped (a zombie: this machine's PID 1 does not
/// reap orphans) no longer runs, writes nothing and counts as gone.
public enum ProcessTable {
    /// True when process `pid` exists and is not a zombie.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let state = fields(of: pid)?.first else { return false }
        return state != "Z"
    }

    /// The processes (not zombies) whose process group is `group`.
    public static func members(ofGroup group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let fields = fields(of: pid) else { return false }
            return fields.count > 2 && fields[0] != "Z" && Int32(fields[2]) == group
        }
    }

    /// The processes started by `pid`, their children, and so on.
    public static func descendants(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var children: [Int32: [Int32]] = [:]
        for child in entries.compactMap(Int32.init) {
            guard let fields = fields(of: child), fields.count > 1, let parent = Int32(fields[1]) else { continue }
            children[parent, default: []].append(child)
        }
        var found: [Int32] = []
        var queue = children[pid] ?? []
        while let next = queue.popLast() {
            found.append(next)
            queue += children[next] ?? []
        }
        return found
    }

    /// The command line of every process, its arguments joined by spaces: what any local user
    /// sees in `ps`.
    public static func commandLines() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
            return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        }
    }

    /// The command name of `pid` (`comm`), nil when it is gone.
    public static func command(of pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines)
    }

    /// The fields of /proc/PID/stat after the command name: state, parent, process group, ….
    private static func fields(of pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.range(of: ") ", options: .backwards)
        else { return nil }
        return stat[close.upperBound...].split(separator: " ")
    }
}
