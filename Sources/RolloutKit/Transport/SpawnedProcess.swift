import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child started with posix_spawn(3) in its own process group, with pipes for stdin,
/// stdout and stderr, reaped with waitpid(2).
///
/// Foundation's `Process` is not used: its exit monitoring sometimes never reaped a finished
/// child inside the test runner, and it hides the pid/pgid handling we rely on for timeouts.
final class SpawnedProcess {
    let pid: pid_t
    /// Our ends of the child's stdin, stdout and stderr; -1 once closed.
    private(set) var stdinFD: Int32
    let stdoutFD: Int32
    let stderrFD: Int32
    private var reaped = false

    /// pipe2(2) with O_CLOEXEC: the pipe is close-on-exec from its first instant, since another
    /// thread may spawn a process at any moment, and one that inherited a write end would hold
    /// this command's output open until it exits. Glibc's module does not export pipe2 (it needs
    /// _GNU_SOURCE), hence the lookup; pipe and fcntl where it is missing.
    private static func closeOnExecPipe(_ pair: inout [Int32]) -> Int32 {
        if let pipe2 = pipe2 { return pipe2(&pair, O_CLOEXEC) }
        guard pipe(&pair) == 0 else { return -1 }
        for fd in pair { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }

    /// How a reaped child ended.
    enum Termination: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    init(executable: String, arguments: [String], environment: [String: String]? = nil) throws(TransportError) {
        var fds: [Int32] = Array(repeating: -1, count: 6)
        for i in 0..<3 {
            var pair: [Int32] = [0, 0]
            guard Self.closeOnExecPipe(&pair) == 0 else {
                for fd in fds where fd >= 0 { close(fd) }
                throw .sessionFailed(endpoint: "local", operation: "pipe", reason: String(cString: strerror(errno)))
            }
            fds[2 * i] = pair[0]
            fds[2 * i + 1] = pair[1]
        }
        // Child ends: stdin reads fds[0]; stdout writes fds[3]; stderr writes fds[5].
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[3], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[5], 2)
        // Nothing else crosses: an SSH socket or another command's pipe held open by a
        // long-lived child (an ssh ControlMaster) would keep its peer from seeing the end.
        // Glibc ignores closing a descriptor that is gone by then.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (so a timeout can kill the whole tree), default signal handling
        // (we ignore SIGPIPE; the child must not inherit that), nothing blocked.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&defaults, s) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let env = environment ?? ProcessInfo.processInfo.environment
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(fds[0])
        close(fds[3])
        close(fds[5])
        guard rc == 0 else {
            close(fds[1])
            close(fds[2])
            close(fds[4])
            throw .sessionFailed(endpoint: "local", operation: "starting \(executable)", reason: String(cString: strerror(rc)))
        }
        pid = child
        stdinFD = fds[1]
        stdoutFD = fds[2]
        stderrFD = fds[4]
    }

    deinit {
        closeInput()
        close(stdoutFD)
        close(stderrFD)
        if !reaped {
            kill(pid, SIGKILL)
            _ = wait()
        }
    }

    func closeInput() {
        if stdinFD >= 0 { close(stdinFD) }
        stdinFD = -1
    }

    /// Blocks until the child ends.
    func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}
