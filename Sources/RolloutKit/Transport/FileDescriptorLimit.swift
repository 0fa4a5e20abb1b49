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

    /// Raises the soft limit to the hard one, as far as the process may without privileges
    /// (distributions start processes at a soft 1,024 under a hard limit many times that).
    /// Returns the limit in force afterwards.
    @discardableResult
    public static func raiseToHardLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
        }
        return current
    }
}
