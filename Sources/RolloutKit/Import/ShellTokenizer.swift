import Foundation

/// Splits a line of a runbook's shell into words and into the commands `&&`, `||` and `;`
/// separate, honouring single and double quotes, the way a reader of the runbook would.
enum ShellTokenizer {
    /// The words of `text`, quotes removed. Operators (`&&`, `|`, `>`, `<` …) are words of their own.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var chars = Array(text)
        var index = 0
        func flush() {
            if inWord { words.append(current) }
            current = ""
            inWord = false
        }
        while index < chars.count {
            let char = chars[index]
            if let open = quote {
                if char == open {
                    quote = nil
                } else if char == "\\", open == "\"", index + 1 < chars.count, "\"\\$`".contains(chars[index + 1]) {
                    index += 1
                    current.append(chars[index])
                } else {
                    current.append(char)
                }
            } else if char == "'" || char == "\"" {
                quote = char
                inWord = true
            } else if char == " " || char == "\t" {
                flush()
            } else if "|&;<>".contains(char) {
                flush()
                var op = String(char)
                if index + 1 < chars.count, chars[index + 1] == char {
                    op.append(char)
                    index += 1
                }
                words.append(op)
            } else {
                current.append(char)
                inWord = true
            }
            index += 1
        }
        flush()
        chars.removeAll()
        return words
    }

    /// `text` cut at each unquoted `&&`, `||` and `;`, each part trimmed.
    static func commands(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        let chars = Array(text)
        var index = 0
        while index < chars.count {
            let char = chars[index]
            if let open = quote {
                if char == open { quote = nil }
                current.append(char)
            } else if char == "'" || char == "\"" {
                quote = char
                current.append(char)
            } else if char == ";" || ((char == "&" || char == "|") && index + 1 < chars.count && chars[index + 1] == char) {
                parts.append(current)
                current = ""
                if char != ";" { index += 1 }
            } else {
                current.append(char)
            }
            index += 1
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// True when `text` ends inside a quote: the command goes on on the next line.
    static func endsInsideQuote(_ text: String) -> Bool {
        var quote: Character?
        var escaped = false
        for char in text {
            if escaped {
                escaped = false
                continue
            }
            if let open = quote {
                if char == "\\", open == "\"" { escaped = true } else if char == open { quote = nil }
            } else if char == "\\" {
                escaped = true
            } else if char == "'" || char == "\"" {
                quote = char
            } else if char == "#" {
                return false
            }
        }
        return quote != nil
    }

    /// `text` without a trailing unquoted ` # comment`.
    static func droppingComment(_ text: String) -> (code: String, comment: String?) {
        var quote: Character?
        var previous: Character = " "
        for (offset, char) in text.enumerated() {
            if let open = quote {
                if char == open { quote = nil }
            } else if char == "'" || char == "\"" {
                quote = char
            } else if char == "#", previous == " " || previous == "\t" || offset == 0 {
                let index = text.index(text.startIndex, offsetBy: offset)
                return (
                    String(text[..<index]).trimmingCharacters(in: .whitespaces),
                    String(text[text.index(after: index)...]).trimmingCharacters(in: .whitespaces)
                )
            }
            previous = char
        }
        return (text.trimmingCharacters(in: .whitespaces), nil)
    }
}
