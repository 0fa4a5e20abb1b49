public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program the tests start and wait for: `posix_spawn` with an empty signal mask and default
/// signal handlers, output into files, reaped with `waitpid`.
///
/// Foundation's `Process` hands its children the test runner's blocked signals and was seen
/// leaving a finished child unreaped, hanging the run; every test that starts a program goes
/// through this type instead.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t

    /// Starts `executable` with `arguments`, stdin from /dev/null, stdout and stderr into the
    /// given files (the same file when they are equal), in `directory` when given.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, stdout: String, stderr: String
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        // The child gets stdin, stdout and stderr and nothing else: an inherited pipe or socket
        // of another test (the watchdog of `scripts/sandbox-host` and PostgreSQL live as long
        // as the test process) would keep that test's peer from ever seeing end-of-file. Glibc's
        // closefrom action closes them all in the child; a list taken beforehand missed a pipe
        // another thread opened meanwhile, and a verifier waited for its stdin forever.
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            for descriptor in Self.openDescriptors() where descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // Glibc's addchdir_np is not visible to Swift; GNU env changes directory, then execs
        // the program in the same process.
        let command = directory.map { ["/usr/bin/env", "-C", $0, executable] + arguments } ?? [executable] + arguments
        let argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let env = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in env ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let rc =
            env.map { env in
                env.withUnsafeBufferPointer {
                    posix_spawn(&pid, command[0], &actions, &attributes, argv, UnsafeMutablePointer(mutating: $0.baseAddress))
                }
            }
            ?? posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard rc == 0 else { throw CommandFailed(command: executable, output: String(cString: strerror(rc))) }
        self.pid = pid
    }

    /// Glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift does
    /// not see declared.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// Sends `signal` (SIGHUP, SIGTERM, …) to the process.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Sends SIGINT, as Ctrl-C would.
    public func interrupt() {
        kill(pid, SIGINT)
    }

    /// Waits for the program to end, without holding a thread of the shared cooperative pool:
    /// `waitpid` blocks a thread of its own (see `onOwnThread`).
    public func wait() async -> Int32 {
        await onOwnThread { self.wait() }
    }

    /// Waits for the program to end; its exit status, or 128 + the signal that ended it.
    /// Blocks the calling thread: for code that cannot await (a fixture's one-time start).
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
