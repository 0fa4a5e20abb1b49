import Foundation

/// A `.env` file that can be edited without disturbing anything but the values it changes.
///
/// Every line is kept: comments, blank lines, `export KEY=…`, the quoting of each value, the
/// order, and the line endings, so rendering an unedited file gives back its bytes exactly.
/// Values are read the way python-dotenv (which the billing apps load their settings with)
/// reads them, and written so that it, sh (`. .env`), systemd's `EnvironmentFile=` and docker
/// compose's `env_file` all read back the same value; a value none of the encodings can carry
/// to all four is refused, naming the readers that would disagree.
public struct EnvFile: Sendable, Hashable {
    private var entries: [Entry]
    /// The line ending appended lines get: the file's own (`\r\n` when most lines use it).
    private let newline: [UInt8]

    /// Parses `bytes`; throws when they are not UTF-8 (the file is then left alone).
    public init(bytes: [UInt8]) throws(EnvFileError) {
        guard String(bytes: bytes, encoding: .utf8) != nil else {
            throw EnvFileError(key: nil, problem: .notUTF8)
        }
        entries = Self.parse(bytes)
        let crlf = entries.filter { $0.terminator == [0x0D, 0x0A] }.count
        let lf = entries.filter { $0.terminator == [0x0A] }.count
        newline = crlf > lf ? [0x0D, 0x0A] : [0x0A]
    }

    /// Parses `text`.
    public init(text: String) {
        // A String is always valid UTF-8.
        try! self.init(bytes: Array(text.utf8))
    }

    /// The file as it would be written.
    public var bytes: [UInt8] {
        entries.flatMap { $0.rendered }
    }

    /// The file as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The value python-dotenv would read for `key` (the last assignment wins), nil when the
    /// file does not set it.
    public func value(for key: String) -> String? {
        entries.last { $0.key == key }?.value
    }

    /// Every key the file sets, in order of first appearance.
    public var keys: [String] {
        var seen = Set<String>()
        return entries.compactMap(\.key).filter { seen.insert($0).inserted }
    }

    /// Every key with the value python-dotenv would read for it, in order of first appearance.
    public var values: [(key: String, value: String)] {
        keys.map { ($0, value(for: $0)!) }
    }

    /// Sets `key` to `value`: edits its line(s) in place, keeping the line's prefix and quoting
    /// style where it can hold the value; a new key goes at the end. A comment after the value
    /// moves to a line of its own above it: systemd's `EnvironmentFile=` knows no comment after
    /// a value and would read it as part of the value. Lines already holding `value` stay byte
    /// for byte as they were.
    public mutating func set(_ key: String, to value: String) throws(EnvFileError) {
        guard Self.isValidKey(key) else { throw EnvFileError(key: key, problem: .invalidKey) }
        try Self.checkWritable(value, key: key)
        var found = false
        var index = entries.startIndex
        while index < entries.endIndex {
            defer { index += 1 }
            guard entries[index].key == key else { continue }
            found = true
            guard entries[index].value != value, case .assignment(var line) = entries[index] else { continue }
            line.valueToken = Self.encode(value, preferring: line.quote)
            if let hash = line.suffix.firstIndex(of: UInt8(ascii: "#")) {
                let indentation = Array(line.prefix.prefix { $0 == 0x20 || $0 == 0x09 })
                let comment = Array(line.suffix[hash...].reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed())
                line.suffix = []
                entries.insert(.other(body: indentation + comment, terminator: line.terminator.isEmpty ? newline : line.terminator), at: index)
                index += 1
            }
            entries[index] = .assignment(line)
        }
        guard !found else { return }
        if let last = entries.indices.last, entries[last].terminator.isEmpty, !entries[last].rendered.isEmpty {
            entries[last].terminator = newline
        }
        let token = Self.encode(value, preferring: nil)
        entries.append(
            .assignment(
                Assignment(
                    prefix: Array("\(key)=".utf8), key: key, valueToken: token, suffix: [], terminator: newline)))
    }

    /// Removes every line that sets `key`.
    public mutating func remove(_ key: String) {
        entries.removeAll { $0.key == key }
    }

    /// What changed from `old` to `new`, key by key: new keys, removed keys, changed values.
    public static func changes(from old: EnvFile, to new: EnvFile) -> [EnvFileChange] {
        var result: [EnvFileChange] = []
        for key in new.keys {
            let newValue = new.value(for: key)!
            if let oldValue = old.value(for: key) {
                if oldValue != newValue { result.append(.changed(key: key, old: oldValue, new: newValue)) }
            } else {
                result.append(.added(key: key, value: newValue))
            }
        }
        let newKeys = Set(new.keys)
        for key in old.keys where !newKeys.contains(key) {
            result.append(.removed(key: key, value: old.value(for: key)!))
        }
        return result
    }

    // MARK: - Model

    private struct Assignment: Sendable, Hashable {
        /// Indentation, `export `, the key and `=` with the spaces around it.
        var prefix: [UInt8]
        var key: String
        /// The value as written, quotes included.
        var valueToken: [UInt8]
        /// Spaces and a comment after the value.
        var suffix: [UInt8]
        var terminator: [UInt8]

        var quote: UInt8? {
            guard let first = valueToken.first, first == Quote.single || first == Quote.double else { return nil }
            return first
        }

        var value: String { EnvFile.decode(valueToken) }
    }

    private enum Entry: Sendable, Hashable {
        /// A comment, blank line or anything that is not a readable assignment: kept verbatim.
        case other(body: [UInt8], terminator: [UInt8])
        case assignment(Assignment)

        var key: String? {
            if case .assignment(let line) = self { return line.key }
            return nil
        }

        var value: String? {
            if case .assignment(let line) = self { return line.value }
            return nil
        }

        var terminator: [UInt8] {
            get {
                switch self {
                case .other(_, let terminator): terminator
                case .assignment(let line): line.terminator
                }
            }
            set {
                switch self {
                case .other(let body, _): self = .other(body: body, terminator: newValue)
                case .assignment(var line):
                    line.terminator = newValue
                    self = .assignment(line)
                }
            }
        }

        var rendered: [UInt8] {
            switch self {
            case .other(let body, let terminator): body + terminator
            case .assignment(let line): line.prefix + line.valueToken + line.suffix + line.terminator
            }
        }
    }

    private enum Quote {
        static let single = UInt8(ascii: "'")
        static let double = UInt8(ascii: "\"")
    }

    // MARK: - Parsing

    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    private static func isLineEnd(_ b: UInt8) -> Bool { b == 0x0A || b == 0x0D }

    private static func parse(_ bytes: [UInt8]) -> [Entry] {
        var entries: [Entry] = []
        var i = 0
        while i < bytes.count {
            if let (assignment, next) = parseAssignment(bytes, from: i) {
                entries.append(.assignment(assignment))
                i = next
            } else {
                var end = i
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                let (body, terminator, next) = splitTerminator(bytes, lineStart: i, lineEnd: end)
                entries.append(.other(body: body, terminator: terminator))
                i = next
            }
        }
        return entries
    }

    /// The line body without its `\n` or `\r\n`, the terminator, and where the next line starts.
    private static func splitTerminator(_ bytes: [UInt8], lineStart: Int, lineEnd: Int) -> ([UInt8], [UInt8], Int) {
        guard lineEnd < bytes.count else { return (Array(bytes[lineStart..<lineEnd]), [], lineEnd) }
        if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D {
            return (Array(bytes[lineStart..<(lineEnd - 1)]), [0x0D, 0x0A], lineEnd + 1)
        }
        return (Array(bytes[lineStart..<lineEnd]), [0x0A], lineEnd + 1)
    }

    private static func parseAssignment(_ bytes: [UInt8], from start: Int) -> (Assignment, Int)? {
        let n = bytes.count
        var j = start
        while j < n && isBlank(bytes[j]) { j += 1 }
        let export = Array("export".utf8)
        if j + export.count < n, Array(bytes[j..<(j + export.count)]) == export, isBlank(bytes[j + export.count]) {
            j += export.count
            while j < n && isBlank(bytes[j]) { j += 1 }
        }
        let keyStart = j
        // python-dotenv's unquoted key: anything up to `=`, `#` or white space.
        while j < n && bytes[j] != UInt8(ascii: "=") && bytes[j] != UInt8(ascii: "#") && !isBlank(bytes[j])
            && !isLineEnd(bytes[j])
        {
            j += 1
        }
        guard j > keyStart else { return nil }
        let key = String(decoding: bytes[keyStart..<j], as: UTF8.self)
        while j < n && isBlank(bytes[j]) { j += 1 }
        guard j < n, bytes[j] == UInt8(ascii: "=") else { return nil }
        j += 1
        while j < n && isBlank(bytes[j]) { j += 1 }
        let valueStart = j
        var valueEnd: Int
        if j < n && (bytes[j] == Quote.single || bytes[j] == Quote.double) {
            // A quoted value may run over several lines, as python-dotenv reads it.
            let quote = bytes[j]
            var k = j + 1
            while k < n && bytes[k] != quote {
                k += (bytes[k] == UInt8(ascii: "\\") && k + 1 < n && bytes[k + 1] == quote) ? 2 : 1
            }
            guard k < n else { return nil }
            valueEnd = k + 1
        } else {
            var lineEnd = j
            while lineEnd < n && !isLineEnd(bytes[lineEnd]) { lineEnd += 1 }
            valueEnd = lineEnd
            // python-dotenv drops `\s+#.*` and trailing blanks from an unquoted value.
            var k = j
            while k < lineEnd {
                if isBlank(bytes[k]) {
                    var m = k
                    while m < lineEnd && isBlank(bytes[m]) { m += 1 }
                    if m < lineEnd && bytes[m] == UInt8(ascii: "#") {
                        valueEnd = k
                        break
                    }
                    k = m
                } else {
                    k += 1
                }
            }
            while valueEnd > j && isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
        }
        var lineEnd = valueEnd
        while lineEnd < n && bytes[lineEnd] != 0x0A { lineEnd += 1 }
        let (tail, terminator, next) = splitTerminator(bytes, lineStart: valueEnd, lineEnd: lineEnd)
        // After the value only blanks and a comment may follow, or python-dotenv rejects the line.
        var t = 0
        while t < tail.count && isBlank(tail[t]) { t += 1 }
        guard t == tail.count || tail[t] == UInt8(ascii: "#") else { return nil }
        let assignment = Assignment(
            prefix: Array(bytes[start..<valueStart]), key: key,
            valueToken: Array(bytes[valueStart..<valueEnd]), suffix: tail, terminator: terminator)
        return (assignment, next)
    }

    /// The value python-dotenv reads from a value as written.
    private static func decode(_ token: [UInt8]) -> String {
        guard let first = token.first, first == Quote.single || first == Quote.double, token.count >= 2 else {
            return String(decoding: token, as: UTF8.self)
        }
        let inner = token[1..<(token.count - 1)]
        let escapes: [UInt8: UInt8] =
            first == Quote.single
            ? [UInt8(ascii: "\\"): UInt8(ascii: "\\"), Quote.single: Quote.single]
            : [
                UInt8(ascii: "\\"): UInt8(ascii: "\\"), Quote.single: Quote.single, Quote.double: Quote.double,
                UInt8(ascii: "a"): 0x07, UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C,
                UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09, UInt8(ascii: "v"): 0x0B,
            ]
        var out: [UInt8] = []
        var i = inner.startIndex
        while i < inner.endIndex {
            if inner[i] == UInt8(ascii: "\\"), i + 1 < inner.endIndex, let decoded = escapes[inner[i + 1]] {
                out.append(decoded)
                i += 2
            } else {
                out.append(inner[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Writing

    /// A key rollout writes: a POSIX shell name (letters, digits and `_`, not starting with a
    /// digit), the one form that `sh`, systemd's `EnvironmentFile=`, docker compose and
    /// python-dotenv all read. `set_env` checks its keys with this same rule at load time.
    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return key.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || isDigit($0) }
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// Refuses a value that no encoding reads back identically in every reader `encode` writes
    /// for, naming the readers that would disagree.
    private static func checkWritable(_ value: String, key: String) throws(EnvFileError) {
        let bytes = Array(value.utf8)
        if bytes.contains(0x0A) || bytes.contains(0x0D) { throw EnvFileError(key: key, problem: .newline) }
        if bytes.contains(0) { throw EnvFileError(key: key, problem: .nulCharacter) }
        // systemd drops a variable whose value holds a control character (a tab is fine).
        if bytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            throw EnvFileError(key: key, problem: .controlCharacter)
        }
        // python-dotenv expands ${NAME} (and ${NAME:-default}) in every value, quoted or not,
        // and has no escape for it; in single quotes the others keep it as written.
        if let open = value.range(of: "${"), value[open.upperBound...].contains("}") {
            throw EnvFileError(key: key, problem: .interpolation)
        }
        if bytes.last == UInt8(ascii: "\\") { throw EnvFileError(key: key, problem: .trailingBackslash) }
        if !singleQuotable(bytes) && !doubleQuotable(bytes) {
            throw EnvFileError(key: key, problem: bytes.contains(Quote.single) ? .quoteAndExpansion : .backslashesAndExpansion)
        }
    }

    /// Bytes that need no quotes for any reader: not `$` (sh and docker compose expand it), not
    /// `~` (sh expands it in an assignment), nothing sh or a dotenv reader treats specially.
    private static func isPlain(_ b: UInt8) -> Bool {
        isLetter(b) || isDigit(b) || Array("_-./:@+,%^".utf8).contains(b)
    }

    /// In single quotes sh, systemd and docker compose take everything as written, and
    /// python-dotenv too except `\\` and `\'`: so no quote, no two backslashes in a row, no
    /// backslash at the end (before the closing quote).
    private static func singleQuotable(_ bytes: [UInt8]) -> Bool {
        let backslash = UInt8(ascii: "\\")
        return !bytes.contains(Quote.single) && bytes.last != backslash
            && !zip(bytes, bytes.dropFirst()).contains { $0 == backslash && $1 == backslash }
    }

    /// In double quotes all four read `\\` and `\"` as `\` and `"`; but sh expands `$` and
    /// backquotes there, and the escapes sh and systemd need for them python-dotenv keeps as
    /// written.
    private static func doubleQuotable(_ bytes: [UInt8]) -> Bool {
        !bytes.contains(UInt8(ascii: "$")) && !bytes.contains(UInt8(ascii: "`"))
    }

    /// The value as written so that sh (`. .env` runs nothing), python-dotenv, systemd's
    /// `EnvironmentFile=` and docker compose's `env_file` all read back exactly `value`: in
    /// `preferred` quotes (the line's own) when they can hold it, else bare when nothing in it
    /// is special, else 'single-quoted', else "double-quoted" with `\` and `"` escaped by a backslash.
    /// `checkWritable` made sure one of them can.
    private static func encode(_ value: String, preferring preferred: UInt8?) -> [UInt8] {
        let bytes = Array(value.utf8)
        let single = [Quote.single] + bytes + [Quote.single]
        switch preferred {
        case Quote.single? where singleQuotable(bytes): return single
        case Quote.double? where doubleQuotable(bytes): return doubleQuoted(bytes)
        default: break
        }
        if preferred == nil && bytes.allSatisfy(isPlain) { return bytes }
        return singleQuotable(bytes) ? single : doubleQuoted(bytes)
    }

    private static func doubleQuoted(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [Quote.double]
        for b in bytes {
            if b == UInt8(ascii: "\\") || b == Quote.double { out.append(UInt8(ascii: "\\")) }
            out.append(b)
        }
        out.append(Quote.double)
        return out
    }
}

/// One key's difference between two versions of a `.env` file.
public enum EnvFileChange: Sendable, Hashable {
    case added(key: String, value: String)
    case removed(key: String, value: String)
    case changed(key: String, old: String, new: String)

    /// The key this change is about.
    public var key: String {
        switch self {
        case .added(let key, _), .removed(let key, _), .changed(let key, _, _): key
        }
    }

    /// `+ KEY=value`, `- KEY=value` or `~ KEY: old → new`. A value is shown as `***` when its
    /// key is one of `secretKeys` or looks like a credential's (`DB_PASSWORD`, `STRIPE_SECRET_KEY`,
    /// see `SecretShape`), or when it looks like one itself (`sk_live_…`; a URL shows all but its
    /// password): the values a host's `.env` had are not the playbook's, so nothing tells which are secret
    /// but their shape. Any secret `masker` knows is masked wherever it appears.
    public func line(secretKeys: Set<String> = [], masker: SecretMasker = .none) -> String {
        let hiddenKey = secretKeys.contains(key) || SecretShape.isSecretName(key)
        func show(_ value: String) -> String {
            if hiddenKey { return "***" }
            // A URL keeps what it points at; only its password goes.
            if SecretShape.urlPassword(in: value) != nil { return SecretShape.masked(masker.mask(value)) }
            return SecretShape.isSecretValue(value) ? "***" : masker.mask(value)
        }
        switch self {
        case .added(let key, let value): return "+ \(key)=\(show(value))"
        case .removed(let key, let value): return "- \(key)=\(show(value))"
        case .changed(let key, let old, let new): return "~ \(key): \(show(old)) → \(show(new))"
        }
    }
}

/// Why a `.env` file could not be read or a value could not be written to it.
public struct EnvFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Problem: Sendable, Hashable {
        /// The file is not UTF-8 text.
        case notUTF8
        /// The key is not a shell-style name.
        case invalidKey
        /// The value contains a line break, which a one-line `KEY=VALUE` cannot hold.
        case newline
        /// The value contains a NUL character.
        case nulCharacter
        /// The value contains `${…}`, which python-dotenv would expand.
        case interpolation
        /// The value ends with a backslash: a line continuation to sh and systemd bare, an
        /// escaped closing quote to python-dotenv and docker compose quoted.
        case trailingBackslash
        /// A control character other than a tab, which systemd refuses.
        case controlCharacter
        /// A single quote and `$` or a backquote: no quoting reads back the same everywhere.
        case quoteAndExpansion
        /// Two backslashes in a row and `$` or a backquote: no quoting reads back the same.
        case backslashesAndExpansion
    }

    /// The key being written, nil for problems with the whole file.
    public var key: String?
    public var problem: Problem

    public init(key: String?, problem: Problem) {
        self.key = key
        self.problem = problem
    }

    public var description: String {
        let subject = key.map { "value for \($0)" } ?? ".env file"
        switch problem {
        case .notUTF8:
            return "\(subject) is not UTF-8 text; convert it to UTF-8 before rollout edits it"
        case .invalidKey:
            return "cannot set \(key ?? "") in a .env file: a key must be letters, digits, '_' or '.', not starting with a digit"
        case .newline:
            return
                "cannot write the \(subject): it contains a line break, which a one-line KEY=VALUE cannot hold; store it in a file and point to that file instead"
        case .nulCharacter:
            return "cannot write the \(subject): it contains a NUL character"
        case .interpolation:
            return
                "cannot write the \(subject): it contains ${…}, which python-dotenv expands in any quotes while sh, systemd and docker compose keep it in single quotes; remove the ${…} from the value"
        case .trailingBackslash:
            return
                "cannot write the \(subject): it ends with a backslash, which sh and systemd read as a line continuation when bare and python-dotenv and docker compose as an escaped closing quote when quoted; change the value"
        case .controlCharacter:
            return
                "cannot write the \(subject): it contains a control character, which systemd's EnvironmentFile= refuses (it drops the variable); remove it"
        case .quoteAndExpansion:
            return
                "cannot write the \(subject): single quotes cannot hold its ', and in double quotes its $ or ` needs a backslash for sh and systemd that python-dotenv keeps as written, so python-dotenv and sh (or docker compose) would read different values; change the value"
        case .backslashesAndExpansion:
            return
                "cannot write the \(subject): in single quotes python-dotenv reads its \\\\ as one backslash while sh, systemd and docker compose keep two, and in double quotes its $ or ` needs a backslash for sh and systemd that python-dotenv keeps as written; change the value"
        }
    }
}
