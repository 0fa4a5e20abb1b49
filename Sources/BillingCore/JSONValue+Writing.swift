extension JSONValue {
    /// How `serialized(_:)` lays out a document.
    public enum Layout: Sendable {
        /// No whitespace at all: `{"a":1,"b":[true,null]}`.
        case compact
        /// Two-space indentation with `": "` after keys, as Python's `json.dumps(indent=2)` writes it.
        case pretty
    }

    /// The UTF-8 bytes of this value. Non-ASCII characters are written as themselves (never as
    /// `\u` escapes), matching `json.dumps(ensure_ascii=False)`, so the bytes that are signed are
    /// the bytes that are sent.
    public func serialized(_ layout: Layout = .compact) -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out, layout: layout, depth: 0)
        return out
    }

    /// `serialized(_:)` as a String.
    public func serializedString(_ layout: Layout = .compact) -> String {
        String(decoding: serialized(layout), as: UTF8.self)
    }

    private func write(to out: inout [UInt8], layout: Layout, depth: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, layout: layout, depth: depth + 1)
                item.write(to: &out, layout: layout, depth: depth + 1)
            }
            Self.newline(&out, layout: layout, depth: depth)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, layout: layout, depth: depth + 1)
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if layout == .pretty { out.append(UInt8(ascii: " ")) }
                member.value.write(to: &out, layout: layout, depth: depth + 1)
            }
            Self.newline(&out, layout: layout, depth: depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], layout: Layout, depth: Int) {
        guard layout == .pretty else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case ..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)
