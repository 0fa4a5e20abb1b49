import Foundation

/// Reads just enough of a private key file to tell its algorithm, so that an RSA key refused by
/// the server can be explained (libssh2 1.10 signs RSA with SHA-1 only).
enum SSHKeyFile {
    /// "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", … or nil when the format is unknown.
    static func keyType(privateKeyAt path: String) -> String? {
        if let pub = try? String(contentsOfFile: path + ".pub", encoding: .utf8),
            let type = pub.split(separator: " ").first
        {
            return String(type)
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return keyType(privateKeyText: text)
    }

    static func keyType(privateKeyText text: String) -> String? {
        if text.contains("BEGIN RSA PRIVATE KEY") { return "ssh-rsa" }
        if text.contains("BEGIN EC PRIVATE KEY") { return "ecdsa" }
        if text.contains("BEGIN DSA PRIVATE KEY") { return "ssh-dss" }
        guard text.contains("BEGIN OPENSSH PRIVATE KEY") else { return nil }
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { return nil }
        // openssh-key-v1\0, string cipher, string kdf, string kdfoptions, uint32 count,
        // string publickey (whose first field is the key type) — the public part is never encrypted.
        var bytes = Array(data)[...]
        let magic = Array("openssh-key-v1\0".utf8)
        guard bytes.starts(with: magic) else { return nil }
        bytes = bytes.dropFirst(magic.count)
        for _ in 0..<3 { guard readString(&bytes) != nil else { return nil } }
        guard bytes.count >= 4 else { return nil }
        bytes = bytes.dropFirst(4)
        guard var publicKey = readString(&bytes), let type = readString(&publicKey) else { return nil }
        return String(decoding: type, as: UTF8.self)
    }

    private static func readString(_ bytes: inout ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard bytes.count >= 4 else { return nil }
        let i = bytes.startIndex
        let length = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        guard bytes.count >= 4 + length else { return nil }
        let value = bytes[(i + 4)..<(i + 4 + length)]
        bytes = bytes.dropFirst(4 + length)
        return value
    }
}
