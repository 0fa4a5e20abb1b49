#if canImport(Glibc)
    import Glibc
#endif

/// How many files this process may have open (`ulimit -n`). A run keeps one connection per host
/// open for its whole length, so a fleet needs about as many descriptors as it has hosts.
public enum FileDescriptorLimit {
    /// The soft limit now; nil when it cannot be read or is unlimited.
    public static var current: Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(limit.rlim_cur)
    }

    /// Whether the process cannot open one more file right now.
    public static var exhausted: Bool {
        let probe = dup(2)
        guard probe >= 0 else { return errno == EMFILE || errno == ENFILE }
        close(probe)
        return false
    }

    /// Raises the soft limit to at least `needed` (as far as the hard limit allows, which takes
    /// no privilege: distributions start processes at a soft 1,024 under a hard limit many
    /// times that). Only as far as needed, since the commands a run starts inherit the limit
    /// and some of them close every descriptor up to it. Returns the limit in force afterwards.
    @discardableResult
    public static func raise(toAtLeast needed: Int) -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let wanted = min(rlim_t(max(needed, 0)), limit.rlim_max)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
        }
        return current
    }
}
