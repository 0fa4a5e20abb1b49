// Seeded random-mutation fuzzer for the loaders `rollout lint` runs on files from pull requests:
// playbooks (with their inventory, includes and check suites), inventories and check suites.
//
//   rollout-fuzz --seconds 60 [--seed N] [--work DIR] SEED_FILE...
//
// Each input is a seed file mutated a few times (bytes flipped, YAML syntax and playbook keys
// inserted, ranges deleted, repeated or spliced from another seed, nesting and aliases piled
// up), written under --work and loaded. It fails (exit 1) when a load rejects a file without a
// diagnostic or gives a diagnostic without a position, and (exit 2) when one input takes more
// than --hang-seconds of CPU. A crash kills the process: the input that did it is still in --work,
// which `scripts/fuzz` keeps. The same seed tries the same inputs, so `--seed` replays a run.
import Foundation
import RolloutKit

struct Options {
    var seconds = 60.0
    var seed: UInt64 = UInt64(Date().timeIntervalSince1970)
    var work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("rollout-fuzz-\(getpid())")
    var hangSeconds = 10.0
    var seedFiles: [URL] = []

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--seconds": seconds = Double(rest.popFirst() ?? "") ?? seconds
            case "--seed": seed = UInt64(rest.popFirst() ?? "") ?? seed
            case "--work": work = URL(fileURLWithPath: rest.popFirst() ?? work.path)
            case "--hang-seconds": hangSeconds = Double(rest.popFirst() ?? "") ?? hangSeconds
            default: seedFiles.append(URL(fileURLWithPath: argument))
            }
        }
    }
}

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// What gets inserted: YAML syntax, the loaders' own keys, template syntax and awkward values.
let tokens: [String] = [
    "*a", "&a ", "<<: *a\n", "[", "]", "{", "}", "- ", ": ", "\n  ", "\n- ", "\t", "'", "\"", "#", "!!binary ", "!tag ",
    "!!str ", "!!int ", "---\n", "...\n", "|\n  ", ">-\n  ", "? ", ",", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "{{ ", " }}",
    "{{ x }}", "{{ env.HOME }}", "{{ secrets.s }}", "${", "\\", "\u{0}", "\u{7}", "\u{FEFF}", "\r\n", "é", "🚀", "\u{202E}",
    "99999999999999999999", "-1", "0", "0x10", "1e400", ".inf", ".nan", "null", "~", "true", "yes", "\"\"", "''",
    "name", "inventory", "vars", "secrets", "steps", "rollback", "state_dir", "forks", "serial", "max_fail_percentage",
    "include", "when", "register", "on", "run_once", "timeout", "retries", "delay", "ignore_errors", "environments",
    "hosts", "groups", "address", "port", "user", "ssh", "checks", "base_url", "defaults", "request", "expect", "status",
    "header", "body_contains", "max_ms", "callbacks", "shell", "upload", "set_env", "backup_database", "restore_database",
    "migrate", "sql", "wait_for", "check", "restart_service", "git", "callback", "src", "dest", "mode", "file", "values",
    "database", "keep", "dir", "url", "env", "GET /", "POST /x", "100%", "25%", "0640", "10m", "1h", "-5s",
]

func mutate(_ input: [UInt8], others: [[UInt8]], random: inout Random) -> [UInt8] {
    var bytes = input
    for _ in 0..<(1 + random.below(3)) {
        let position = random.below(bytes.count + 1)
        switch random.below(10) {
        case 0 where !bytes.isEmpty:
            bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
        case 1, 2, 3:
            bytes.insert(contentsOf: Array(random.pick(tokens).utf8), at: position)
        case 4 where !bytes.isEmpty:
            let end = min(bytes.count, position + 1 + random.below(64))
            bytes.removeSubrange(min(position, end)..<end)
        case 5 where !bytes.isEmpty:
            let start = random.below(bytes.count)
            let end = min(bytes.count, start + 1 + random.below(200))
            let chunk = Array(bytes[start..<end])
            for _ in 0..<(1 + random.below(4)) { bytes.insert(contentsOf: chunk, at: position) }
        case 6:
            let other = random.pick(others)
            guard !other.isEmpty else { continue }
            let start = random.below(other.count)
            let end = min(other.count, start + 1 + random.below(400))
            bytes.insert(contentsOf: other[start..<end], at: position)
        case 7:
            // Deep nesting, flow or block.
            let depth = random.below(200)
            let text =
                random.below(2) == 0
                ? String(repeating: "[", count: depth) + "x" + String(repeating: "]", count: depth)
                : (0..<depth).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " x\n"
            bytes.insert(contentsOf: Array(text.utf8), at: position)
        case 8:
            // Aliases piling up on each other (a small alias bomb).
            let levels = 1 + random.below(8)
            let width = 1 + random.below(10)
            var text = "\nbomb:\n  l0: &l0 [x]\n"
            for level in 1...levels {
                text += "  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: width).joined(separator: ",") + "]\n"
            }
            bytes.insert(contentsOf: Array(text.utf8), at: position)
        default:
            // Indent or dedent a line.
            let start = bytes[..<min(position, bytes.count)].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            if random.below(2) == 0 || start >= bytes.count || bytes[start] != 0x20 {
                bytes.insert(contentsOf: Array(repeating: 0x20, count: 1 + random.below(4)), at: start)
            } else {
                bytes.remove(at: start)
            }
        }
    }
    return bytes
}

/// Which loader a seed is for, from its contents.
enum Kind: String { case playbook, inventory, checks, steps }

func kind(of bytes: [UInt8]) -> Kind {
    let text = String(decoding: bytes, as: UTF8.self)
    if text.hasPrefix("- ") { return .steps }
    if text.contains("\nsteps:") || text.hasPrefix("steps:") { return .playbook }
    if text.contains("environments:") || text.contains("\nhosts:") { return .inventory }
    return .checks
}

/// Problems of one load: a rejection without an error, or an error without a position.
func problems(_ diagnostics: Diagnostics, rejected: Bool) -> [String] {
    var found: [String] = []
    if rejected && !diagnostics.hasErrors { found.append("the file was rejected without an error") }
    for diagnostic in diagnostics.all where diagnostic.file.isEmpty || diagnostic.line < 1 || diagnostic.column < 1 {
        found.append("no position: \(diagnostic.file):\(diagnostic.line):\(diagnostic.column): \(diagnostic.message)")
    }
    return found
}

/// Prints a line unbuffered, so progress reaches a log file as it happens, not at the end.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let options = Options(CommandLine.arguments)
guard !options.seedFiles.isEmpty else {
    FileHandle.standardError.write(Data("usage: rollout-fuzz [--seconds N] [--seed N] [--work DIR] SEED_FILE...\n".utf8))
    exit(64)
}
let seeds = options.seedFiles.compactMap { FileManager.default.contents(atPath: $0.path).map { Array($0) } }
try FileManager.default.createDirectory(at: options.work, withIntermediateDirectories: true)

// The watchdog: an input that has taken --hang-seconds of CPU (a loop), or ten times that of
// wall time (a read that never returns), is a hang. CPU time, so that a busy machine starving a
// low-priority run is not mistaken for one.
final class Progress: @unchecked Sendable {
    /// CPU time this process has used, in seconds.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    let lock = NSLock()
    var started = (wall: Date(), cpu: 0.0)
    var input = 0
    func begin(_ number: Int) {
        lock.withLock {
            started = (Date(), Self.processCPUSeconds())
            input = number
        }
    }
    var current: (wall: Date, cpu: Double, input: Int) { lock.withLock { (started.wall, started.cpu, input) } }
}
let progress = Progress()
let hangSeconds = options.hangSeconds
let work = options.work
Thread.detachNewThread {
    while true {
        Thread.sleep(forTimeInterval: 1)
        let current = progress.current
        let cpu = Progress.processCPUSeconds() - current.cpu
        let wall = Date().timeIntervalSince(current.wall)
        if cpu > hangSeconds || wall > 10 * hangSeconds {
            say("HANG: input \(current.input) still loading after \(Int(cpu)) s of CPU, \(Int(wall)) s in all; it is in \(work.path)")
            exit(2)
        }
    }
}

var random = Random(state: options.seed)
let deadline = Date().addingTimeInterval(options.seconds)
let start = Date()
var tried = 0
var rejected = 0
var lastReport = Date()
let playbookURL = work.appendingPathComponent("playbook.yml")
let inventoryURL = work.appendingPathComponent("inventory.yml")
let checksURL = work.appendingPathComponent("checks.yml")
let stepsURL = work.appendingPathComponent("steps.yml")
// Lists of steps are only ever loaded as a playbook's include (steps.yml).
let targets = seeds.filter { kind(of: $0) != .steps }
say("rollout-fuzz: seed \(options.seed), \(seeds.count) seed files, \(Int(options.seconds)) s, work \(work.path)")

while Date() < deadline {
    tried += 1
    let seed = random.pick(targets)
    let input = mutate(seed, others: seeds, random: &random)
    // The files a playbook names are there too, mutated or not.
    let inventory =
        random.below(4) == 0 ? mutate(random.pick(seeds), others: seeds, random: &random) : seeds.first { kind(of: $0) == .inventory } ?? []
    let steps = random.below(4) == 0 ? mutate(random.pick(seeds), others: seeds, random: &random) : seeds.first { kind(of: $0) == .steps } ?? []
    let checks = random.below(4) == 0 ? mutate(random.pick(seeds), others: seeds, random: &random) : seeds.first { kind(of: $0) == .checks } ?? []
    progress.begin(tried)
    let sink = DiagnosticSink()
    var failed = false
    let target = kind(of: seed)
    switch target {
    case .playbook, .steps:
        try Data(input).write(to: playbookURL)
        try Data(steps).write(to: stepsURL)
        try Data(inventory).write(to: inventoryURL)
        try Data(checks).write(to: checksURL)
        let result = PlaybookLoader(resolveSecrets: false, lenientAboutMachine: true).load(playbookURL, name: "playbook.yml")
        sink.diagnostics = result.diagnostics
        failed = result.loaded == nil
    case .inventory:
        try Data(input).write(to: inventoryURL)
        failed = InventoryLoader.load(inventoryURL, name: "inventory.yml", sink: sink) == nil
    case .checks:
        try Data(input).write(to: checksURL)
        failed = CheckSuiteLoader.load(checksURL, name: "checks.yml", sink: sink) == nil
    }
    if failed || sink.diagnostics.hasErrors { rejected += 1 }
    let found = problems(sink.diagnostics, rejected: failed)
    if !found.isEmpty {
        say("FAIL: input \(tried) (\(target.rawValue), seed \(options.seed)) is in \(work.path):")
        for problem in found { say("  " + problem) }
        exit(1)
    }
    if Date().timeIntervalSince(lastReport) >= 60 {
        lastReport = Date()
        say("rollout-fuzz: \(tried) inputs, \(rejected) rejected with diagnostics, \(Int(Date().timeIntervalSince(start))) s")
    }
}
say(
    "rollout-fuzz: \(tried) inputs in \(Int(Date().timeIntervalSince(start))) s, \(rejected) rejected with diagnostics; no crash, no hang, every rejection positioned"
)
