import Crypto

/// HMAC-SHA256 as both PayTR and Stripe use it: UTF-8 key, raw message bytes.
enum HMACSHA256 {
    static func digest(key: String, message: some Sequence<UInt8>) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key.utf8)))
        return Array(mac)
    }

    static func base64(key: String, message: String) -> String {
        Base64.encode(digest(key: key, message: message.utf8))
    }

    static func hex(key: String, message: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest(key: key, message: message) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
