import Foundation
import TestSupport
import Testing

@testable import RolloutKit

@Suite("known_hosts")
struct KnownHostsTests {
    // A real ed25519 public key blob (base64) and a second one.
    let keyA = "AAAAC3NzaC1lZDI1NTE5AAAAIHgIDfI1vSnyK8iIyk2cAzaT1ZhpqHXIdAm0C70D1CjP"
    let keyB = "AAAAC3NzaC1lZDI1NTE5AAAAIEWd1uKwJhN4Oq9UOaFfMbHcD7pGbX4hz8rPg+yE9wGs"

    func blob(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }

    @Test("a listed key is trusted; another key of the same type is a mismatch with its line")
    func verdicts() {
        let file = KnownHosts(path: "kh", text: "# c\n\n[127.0.0.1]:2222 ssh-ed25519 \(keyA)\n")
        #expect(file.check(host: "127.0.0.1", port: 2222, key: blob(keyA)) == .trusted)
        guard case .mismatch(let entry) = file.check(host: "127.0.0.1", port: 2222, key: blob(keyB)) else {
            Issue.record("expected a mismatch")
            return
        }
        #expect(entry.line == 3)
        #expect(file.check(host: "127.0.0.1", port: 22, key: blob(keyA)) == .unknown, "port 22 is filed without brackets")
        #expect(file.check(host: "127.0.0.2", port: 2222, key: blob(keyA)) == .unknown)
    }

    @Test("hashed names, wildcards, negation and @revoked")
    func patterns() {
        // |1|salt|hash for "[127.0.0.1]:2222", made by ssh-keygen -H.
        let hashed = KnownHosts(path: "kh", text: "|1|Jvkb0CxCvWkH5Vh1ZqXZm5K7xQo=|f2r7o5m9r1dK7TXV0QKJx8yH0gQ= ssh-ed25519 \(keyA)\n")
        #expect(hashed.entries.count == 1)
        #expect(KnownHosts.matches("web3.example.com", field: "*.example.com,!web9.example.com"))
        #expect(!KnownHosts.matches("web9.example.com", field: "*.example.com,!web9.example.com"))
        #expect(KnownHosts.matches("[10.0.0.1]:2222", field: "[10.0.0.?]:2222"))
        #expect(!KnownHosts.matches("[10.0.0.1]:2223", field: "[10.0.0.1]:2222"))
        #expect(KnownHosts.matches("HOST", field: "host"))
        let revoked = KnownHosts(path: "kh", text: "@revoked * ssh-ed25519 \(keyA)\nhost ssh-ed25519 \(keyA)\n")
        guard case .mismatch = revoked.check(host: "host", port: 22, key: blob(keyA)) else {
            Issue.record("a revoked key must never be trusted")
            return
        }
    }

    @Test("hashed entries match the name they were made from")
    func hashedEntry() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("known_hosts").path
        try "[127.0.0.1]:2222 ssh-ed25519 \(keyA)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try runLocal("/usr/bin/ssh-keygen", ["-q", "-H", "-f", path])
        let file = try KnownHosts(path: path)
        #expect(file.entries.first?.hosts.hasPrefix("|1|") == true)
        #expect(file.check(host: "127.0.0.1", port: 2222, key: blob(keyA)) == .trusted)
        #expect(file.check(host: "127.0.0.1", port: 2223, key: blob(keyA)) == .unknown)
    }

    @Test("accept-new appends one line that a reload trusts, keeping earlier lines")
    func append() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)/sub/known_hosts").path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "other ssh-ed25519 \(keyB)".write(toFile: path, atomically: true, encoding: .utf8)
        var file = try KnownHosts(path: path)
        try file.append(host: "127.0.0.1", port: 2200, key: blob(keyA))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "other ssh-ed25519 \(keyB)\n[127.0.0.1]:2200 ssh-ed25519 \(keyA)\n")
        #expect(try KnownHosts(path: path).check(host: "127.0.0.1", port: 2200, key: blob(keyA)) == .trusted)
    }

    @Test("a file read for one host is reused for the next, and read again once another connection appended to it")
    func loadedOncePerChange() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "[127.0.0.1]:2200 ssh-ed25519 \(keyA)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let first = try KnownHosts.load(path: path)
        #expect(first.check(host: "127.0.0.1", port: 2200, key: blob(keyA)) == .trusted)
        #expect(try KnownHosts.load(path: path).entries == first.entries)
        var appending = try KnownHosts(path: path)
        try appending.append(host: "127.0.0.1", port: 2201, key: blob(keyB))
        #expect(try KnownHosts.load(path: path).check(host: "127.0.0.1", port: 2201, key: blob(keyB)) == .trusted)
        #expect(try KnownHosts.load(path: path + ".missing").entries.isEmpty)
    }

    @Test("fingerprints and key types read as ssh-keygen prints them")
    func fingerprint() {
        #expect(KnownHosts.keyType(of: blob(keyA)) == "ssh-ed25519")
        #expect(KnownHosts.fingerprint(of: blob(keyA)).hasPrefix("SHA256:"))
        #expect(!KnownHosts.fingerprint(of: blob(keyA)).hasSuffix("="))
        #expect(KnownHosts.keyType(of: [0, 0]) == "unknown")
    }
}
