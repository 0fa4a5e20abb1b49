// Transport benchmark: prints figures, asserts nothing. Starts its own loopback sshd hosts via
// scripts/sandbox-host (needs root, as the tests do). Build with `swift build -c release`.
//
//   .build/release/rollout-bench [sequential-count] [leak-count]
//   .build/release/rollout-bench handshakes KEY KNOWN_HOSTS USER IN-FLIGHT PORT...
//   .build/release/rollout-bench spawns COUNT
//
// `handshakes` is the floor of a fleet run (scripts/bench-scale): bare libssh2 connections to
// 127.0.0.1 on each PORT (TCP, key exchange, host key check, public key login, nothing run), at
// most IN-FLIGHT at once; prints the wall time in ms.
//
// `spawns` is the floor of a step that needs a round trip of its own (scripts/bench-scale): the
// processes the host starts for it, with nothing else. It starts `/bin/sh -c :` COUNT times, then
// `setsid /bin/sh -c :` (the step's session and its shell) COUNT times, one after the other, and
// prints both wall times in ms on one line.
import Foundation
import RolloutKit

#if canImport(Glibc)
    import Glibc
#endif

if CommandLine.arguments.count > 6, CommandLine.arguments[1] == "handshakes" {
    let arguments = Array(CommandLine.arguments.dropFirst(2))
    let (key, knownHosts, user, inFlight) = (arguments[0], arguments[1], arguments[2], max(1, Int(arguments[3]) ?? 1))
    let targets = arguments.dropFirst(4).compactMap(Int.init).map {
        SSHTarget(host: "127.0.0.1", port: $0, user: user, identityFile: key, knownHostsFile: knownHosts)
    }
    let clock = ContinuousClock()
    let start = clock.now
    let sessions = try await withThrowingTaskGroup(of: SSHTransport.self) { group in
        var next = 0
        func add() {
            let transport = SSHTransport(target: targets[next])
            group.addTask {
                try await transport.connect()
                return transport
            }
            next += 1
        }
        while next < min(inFlight, targets.count) { add() }
        var connected: [SSHTransport] = []
        for try await transport in group {
            connected.append(transport)
            if next < targets.count { add() }
        }
        return connected
    }
    let elapsed = clock.now - start
    for transport in sessions { await transport.close() }
    print(String(format: "%.0f", Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15))
    exit(0)
}

if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "spawns", let count = Int(CommandLine.arguments[2]) {
    let setsid = ["/usr/bin/setsid", "/bin/setsid"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/setsid"
    let clock = ContinuousClock()
    let figures = [["/bin/sh", "-c", ":"], [setsid, "/bin/sh", "-c", ":"]].map { command in
        let start = clock.now
        for _ in 0..<count { spawn(command[0], Array(command.dropFirst())) }
        return String(format: "%.0f", milliseconds(clock.now - start))
    }
    print(figures.joined(separator: " "))
    exit(0)
}

let sequentialCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200 : 200
let leakCount = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 10_000 : 10_000
let hostCount = 10
let commandsPerHost = 20

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let sandboxHost = packageRoot.appendingPathComponent("scripts/sandbox-host").path
let workDirectory = "/tmp/rollout-bench-\(getpid())"

/// Runs a program with stdout and stderr discarded (or into `output`) and returns its exit status.
@discardableResult
func spawn(_ executable: String, _ arguments: [String], output: String = "/dev/null") -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct Host {
    var directory: String
    var port: Int
    var target: SSHTarget {
        SSHTarget(
            host: "127.0.0.1", port: port, user: "rollout-test", identityFile: directory + "/client/id_ed25519",
            knownHostsFile: directory + "/client/known_hosts")
    }
}

func startHosts(_ count: Int) -> [Host] {
    (0..<count).map { i in
        let host = Host(directory: "\(workDirectory)/host-\(i)", port: freePort())
        let log = "\(workDirectory)-start.log"
        guard spawn(sandboxHost, ["start", host.directory, String(host.port), "--watch", String(getpid())], output: log) == 0 else {
            print("cannot start sshd: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
            exit(1)
        }
        return host
    }
}

func milliseconds(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) * 1000 + Double(atto) / 1e15
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func timeEach(_ count: Int, _ body: () async throws -> Void) async rethrows -> [Double] {
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<count {
        let start = clock.now
        try await body()
        times.append(milliseconds(clock.now - start))
    }
    return times
}

func openFileCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

func residentKilobytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
}

func report(_ name: String, _ times: [Double]) {
    print(String(format: "  %-44@ median %7.2f ms   p90 %7.2f ms   (n=%d)", name as NSString, median(times), percentile(times, 0.9), times.count))
}

print("rollout-bench: \(hostCount) loopback sshd hosts, login user rollout-test")
let hosts = startHosts(hostCount)
let first = hosts[0]
let trueCommand = RemoteCommand("true")

print("\n1. \(sequentialCount) sequential `true` on one host")
let libssh2 = SSHTransport(target: first.target)
let clock = ContinuousClock()
let connectStart = clock.now
try await libssh2.connect()
let connectTime = milliseconds(clock.now - connectStart)
let firstCommand = try await timeEach(1) { _ = try await libssh2.run(trueCommand, output: nil) }[0]
let libssh2Times = try await timeEach(sequentialCount) { _ = try await libssh2.run(trueCommand, output: nil) }
print(String(format: "  libssh2 connect + host key + auth: %.1f ms; first command on the session: %.2f ms", connectTime, firstCommand))
report("SSHTransport (libssh2, persistent shell)", libssh2Times)
// A timeout keeps a command out of the shared shell: an exec channel of its own.
let ownChannel = RemoteCommand("true", timeout: .seconds(60))
let channelTimes = try await timeEach(sequentialCount) { _ = try await libssh2.run(ownChannel, output: nil) }
report("SSHTransport (libssh2, a channel each)", channelTimes)

let openssh = OpenSSHTransport(target: first.target)
let masterSetup = try await timeEach(1) { _ = try await openssh.run(trueCommand, output: nil) }[0]
let opensshTimes = try await timeEach(sequentialCount) { _ = try await openssh.run(trueCommand, output: nil) }
print(String(format: "  OpenSSH ControlMaster setup + first command: %.1f ms", masterSetup))
report("OpenSSHTransport (ssh, ControlMaster)", opensshTimes)
await openssh.close()

let freshArguments = [
    "-p", String(first.port), "-i", first.directory + "/client/id_ed25519", "-o", "IdentitiesOnly=yes",
    "-o", "UserKnownHostsFile=\(first.directory)/client/known_hosts", "-o", "BatchMode=yes",
    "-o", "ControlMaster=no", "-o", "ControlPath=none", "rollout-test@127.0.0.1", "true",
]
let freshTimes = await timeEach(sequentialCount) { spawn("/usr/bin/ssh", freshArguments) }
report("fresh `ssh host true` process per command", freshTimes)
print(
    String(
        format: "  ratio fresh ssh / libssh2: %.0f×   OpenSSH master / libssh2: %.1f×",
        median(freshTimes) / median(libssh2Times), median(opensshTimes) / median(libssh2Times)))

print("\n2. \(hostCount) hosts × \(commandsPerHost) `true` each, hosts in parallel (SSHTransport)")
let fleet = hosts.map { SSHTransport(target: $0.target) }
let fleetConnect = clock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for transport in fleet { group.addTask { try await transport.connect() } }
    try await group.waitForAll()
}
let fleetConnectTime = milliseconds(clock.now - fleetConnect)
let fleetStart = clock.now
let fleetTimes = try await withThrowingTaskGroup(of: [Double].self) { group in
    for transport in fleet {
        group.addTask { try await timeEach(commandsPerHost) { _ = try await transport.run(trueCommand, output: nil) } }
    }
    var all: [Double] = []
    for try await times in group { all += times }
    return all
}
let fleetWall = milliseconds(clock.now - fleetStart)
print(String(format: "  connect all %d in parallel: %.1f ms", hostCount, fleetConnectTime))
report("per command, \(hostCount) hosts at once", fleetTimes)
print(
    String(
        format: "  wall time for all %d commands: %.1f ms (%.0f commands/s)", fleetTimes.count, fleetWall,
        Double(fleetTimes.count) / fleetWall * 1000))
for transport in fleet { await transport.close() }

print("\n3. \(leakCount) commands on one session: open fds and RSS")
_ = try await timeEach(100) { _ = try await libssh2.run(trueCommand, output: nil) }
let fdsBefore = openFileCount()
let rssBefore = residentKilobytes()
let leakStart = clock.now
for _ in 0..<leakCount { _ = try await libssh2.run(RemoteCommand("echo x"), output: nil) }
let leakTime = milliseconds(clock.now - leakStart)
let fdsAfter = openFileCount()
let rssAfter = residentKilobytes()
print("  open fds: \(fdsBefore) before, \(fdsAfter) after")
print("  VmRSS:    \(rssBefore) kB before, \(rssAfter) kB after (\(rssAfter - rssBefore) kB difference)")
print(String(format: "  %.1f s in all, %.2f ms per command", leakTime / 1000, leakTime / Double(leakCount)))

print("\n4. 100 MB of output through one command (1 MiB tail kept per stream)")
func peakKilobytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
}
let peakBefore = peakKilobytes()
let bigStart = clock.now
let big = try await libssh2.run(RemoteCommand("head -c 104857600 /dev/zero"), output: nil)
let bigTime = milliseconds(clock.now - bigStart)
print("  kept \(big.stdout.count) bytes, dropped \(big.stdoutTruncatedBytes); peak RSS \(peakBefore) kB before, \(peakKilobytes()) kB after")
print(String(format: "  %.0f ms (%.0f MB/s)", bigTime, 100 / (bigTime / 1000)))
await libssh2.close()

for host in hosts { spawn(sandboxHost, ["stop", host.directory]) }
try? FileManager.default.removeItem(atPath: workDirectory)
try? FileManager.default.removeItem(atPath: "\(workDirectory)-start.log")
