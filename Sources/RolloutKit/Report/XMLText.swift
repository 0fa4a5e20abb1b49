/// Text made safe for XML 1.0 element content and attribute values.
enum XMLText {
    /// Escapes markup characters; characters XML 1.0 cannot hold at all (most C0 controls,
    /// U+FFFE, U+FFFF), not even as references, become a visible `\u{…}` so a JUnit reader
    /// still parses the file and a human still sees something was there.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case "\r": out += "&#13;"
            case let c where c.value < 0x20 || c.value == 0xFFFE || c.value == 0xFFFF:
                out += "\\u{" + String(c.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
