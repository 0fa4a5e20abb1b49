import Crypto
import Foundation
import Synchronization

/// An OpenSSH known_hosts file: which key each host is expected to present.
///
/// Understands plain and hashed (`|1|salt|hash`) host fields, `[host]:port` for ports other
/// than 22, `*`/`?` wildcards, `!` negation and the `@revoked` marker (`@cert-authority`
/// lines are ignored: certificates are not supported).
struct KnownHosts: Sendable {
    struct Entry: Sendable, Equatable {
        var line: Int
        var hosts: String
        var keyType: String
        var key: [UInt8]
        var revoked: Bool
        /// `hosts` taken apart once, for matching it against every host of a run.
        var patterns: [HostPattern]

        init(line: Int, hosts: String, keyType: String, key: [UInt8], revoked: Bool) {
            self.line = line
            self.hosts = hosts
            self.keyType = keyType
            self.key = key
            self.revoked = revoked
            patterns = KnownHosts.patterns(of: hosts)
        }
    }

    /// One name or pattern of a host field, lowercased.
    struct HostPattern: Sendable, Equatable {
        var bytes: [UInt8]
        var negated: Bool
        var wildcard: Bool
    }

    /// What the file says about a key a host offered.
    enum Verdict: Equatable {
        case trusted
        /// The host is listed with another key of the same type (or the key is revoked).
        case mismatch(Entry)
        /// The host is not listed with a key of this type.
        case unknown
    }

    let path: String
    private(set) var entries: [Entry]

    /// Files read so far, with the size and time they had: every host of a fleet checks its key
    /// against the same file, which is read and parsed once rather than once per host.
    private static let parsed = Mutex<[String: (stamp: [Int], file: KnownHosts)]>([:])

    /// `path` as `init(path:)` reads it, parsed again only when it changed since the last time.
    static func load(path: String) throws -> KnownHosts {
        var info = stat()
        guard stat(path, &info) == 0 else { return try KnownHosts(path: path) }
        let stamp = [Int(info.st_ino), Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
        if let cached = parsed.withLock({ $0[path] }), cached.stamp == stamp { return cached.file }
        let file = try KnownHosts(path: path)
        parsed.withLock { $0[path] = (stamp, file) }
        return file
    }

    /// Reads `path`; a missing file is an empty list.
    init(path: String) throws {
        let text = FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : ""
        self.init(path: path, text: text)
    }

    init(path: String, text: String) {
        self.path = path
        var entries: [Entry] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var revoked = false
            if first.hasPrefix("@") {
                guard first == "@revoked" else { continue }
                revoked = true
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { continue }
            entries.append(Entry(line: index + 1, hosts: fields[0], keyType: fields[1], key: Array(key), revoked: revoked))
        }
        self.entries = entries
    }

    /// The name OpenSSH files a host under: `host`, or `[host]:port` when the port is not 22.
    static func hostField(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    func entries(host: String, port: Int) -> [Entry] {
        let name = Self.hostField(host: host, port: port).lowercased()
        let bytes = Array(name.utf8)
        return entries.filter { Self.matches(name, bytes, entry: $0.hosts, patterns: $0.patterns) }
    }

    /// Key types known for the host, in file order, to steer the key exchange towards them.
    func keyTypes(host: String, port: Int) -> [String] {
        var seen: [String] = []
        for entry in entries(host: host, port: port) where !entry.revoked && !seen.contains(entry.keyType) {
            seen.append(entry.keyType)
        }
        return seen
    }

    func check(host: String, port: Int, key: [UInt8]) -> Verdict {
        let type = Self.keyType(of: key)
        let listed = entries(host: host, port: port)
        if let revoked = listed.first(where: { $0.revoked && $0.key == key }) { return .mismatch(revoked) }
        let sameType = listed.filter { !$0.revoked && $0.keyType == type }
        if sameType.contains(where: { $0.key == key }) { return .trusted }
        if let other = sameType.first { return .mismatch(other) }
        return .unknown
    }

    /// The line `accept-new` appends for a newly seen host key.
    static func line(host: String, port: Int, key: [UInt8]) -> String {
        "\(hostField(host: host, port: port)) \(keyType(of: key)) \(Data(key).base64EncodedString())"
    }

    /// Appends the line for `key`, creating the file (mode 0600) and its directory when missing.
    /// Locked and appended in one write, so parallel connections cannot interleave lines.
    mutating func append(host: String, port: Int, key: [UInt8]) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        var text = Self.line(host: host, port: port, key: key) + "\n"
        let size = lseek(fd, 0, SEEK_END)
        var last: UInt8 = 10
        if size > 0, pread(fd, &last, 1, size - 1) == 1, last != 10 { text = "\n" + text }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let lines = (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false).count ?? 1
        entries.append(
            Entry(line: max(1, lines - 1), hosts: Self.hostField(host: host, port: port), keyType: Self.keyType(of: key), key: key, revoked: false))
    }

    /// `SHA256:…` as `ssh-keygen -l` prints it.
    static func fingerprint(of key: [UInt8]) -> String {
        var text = Data(SHA256.hash(data: key)).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }

    /// The algorithm name at the start of an SSH public key blob ("ssh-ed25519").
    static func keyType(of blob: [UInt8]) -> String {
        guard blob.count >= 4 else { return "unknown" }
        let length = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard length > 0, blob.count >= 4 + length else { return "unknown" }
        return String(decoding: blob[4..<(4 + length)], as: UTF8.self)
    }

    /// Whether `name` matches a comma-separated host field: plain or hashed names, wildcards,
    /// and `!negations`, which win over any positive match.
    static func matches(_ name: String, field: String) -> Bool {
        let name = name.lowercased()
        return matches(name, Array(name.utf8), entry: field, patterns: patterns(of: field))
    }

    /// `matches` with the lowercased name and the field's patterns prepared by the caller.
    private static func matches(_ name: String, _ bytes: [UInt8], entry field: String, patterns: [HostPattern]) -> Bool {
        if field.hasPrefix("|1|") { return hashedMatches(name, field: field) }
        var matched = false
        for pattern in patterns {
            let hit = pattern.wildcard ? wildcardMatch(pattern.bytes[...], bytes[...]) : pattern.bytes == bytes
            if hit {
                if pattern.negated { return false }
                matched = true
            }
        }
        return matched
    }

    static func patterns(of field: String) -> [HostPattern] {
        guard !field.hasPrefix("|1|") else { return [] }
        return field.lowercased().split(separator: ",").map { part in
            let negated = part.hasPrefix("!")
            let bytes = Array((negated ? part.dropFirst() : part[...]).utf8)
            return HostPattern(bytes: bytes, negated: negated, wildcard: bytes.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") })
        }
    }

    /// OpenSSH's host patterns: `*` and `?` only (a `[` is literal, as in `[host]:port`).
    static func wildcardMatch(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        switch first {
        case UInt8(ascii: "*"):
            let rest = pattern.dropFirst()
            var candidate = name
            while true {
                if wildcardMatch(rest, candidate) { return true }
                guard !candidate.isEmpty else { return false }
                candidate = candidate.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !name.isEmpty && wildcardMatch(pattern.dropFirst(), name.dropFirst())
        default:
            return name.first == first && wildcardMatch(pattern.dropFirst(), name.dropFirst())
        }
    }

    private static func hashedMatches(_ name: String, field: String) -> Bool {
        let parts = field.split(separator: "|")
        guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])),
            let expected = Data(base64Encoded: String(parts[2]))
        else { return false }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(name.utf8), using: SymmetricKey(data: salt))
        return Data(mac) == expected
    }
}
