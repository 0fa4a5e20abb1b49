public import BillingCore

/// A path into a JSON document, as check suites write it: `$.status`, `$.items[0].id`,
/// `$['odd key']`, `$.items[-1]`, and `.length()` at the end for the size of an array, object
/// or string. Parsed at load time, so a mistake is reported with its file position.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
        case length
    }

    /// The path as written.
    public let source: String
    let components: [Component]

    /// Parses `text`; the error says what is wrong and how a path is written.
    public init(parsing text: String) throws(JSONPathError) {
        source = text
        let scalars = Array(text.unicodeScalars)
        guard scalars.first == "$" else {
            throw JSONPathError("'\(text)' must start with '$' (the whole document), like $.status or $.items[0].id")
        }
        var components: [Component] = []
        var index = 1
        func fail(_ what: String) -> JSONPathError {
            JSONPathError("'\(text)': \(what); write a path like $.status, $.items[0].id or $.items.length()")
        }
        while index < scalars.count {
            if components.last == .length { throw fail("length() must come last") }
            switch scalars[index] {
            case ".":
                index += 1
                var name = ""
                while index < scalars.count, scalars[index] != ".", scalars[index] != "[" {
                    name.unicodeScalars.append(scalars[index])
                    index += 1
                }
                if name.isEmpty { throw fail("a name is missing after '.'") }
                components.append(name == "length()" ? .length : .key(name))
            case "[":
                guard let close = scalars[index...].firstIndex(of: "]") else { throw fail("'[' is not closed") }
                var inner = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
                index = close + 1
                if inner.count >= 2, let quote = inner.first, quote == "'" || quote == "\"", inner.last == quote {
                    inner = String(inner.dropFirst().dropLast())
                    components.append(.key(inner))
                } else if let number = Int(inner) {
                    components.append(.index(number))
                } else {
                    throw fail("'[\(inner)]' is neither an index like [0] nor a quoted name like ['id']")
                }
            default:
                throw fail("unexpected '\(scalars[index])'")
            }
        }
        self.components = components
    }

    public var description: String { source }

    /// What the path finds in `document`: nil when a part of it is missing.
    public func value(in document: JSONValue) -> JSONValue? {
        var current = document
        for component in components {
            switch (component, current) {
            case (.key(let name), .object(let members)):
                guard let next = members.first(where: { $0.key == name })?.value else { return nil }
                current = next
            case (.index(let position), .array(let items)):
                let resolved = position < 0 ? items.count + position : position
                guard items.indices.contains(resolved) else { return nil }
                current = items[resolved]
            case (.length, .array(let items)): current = .int(Int64(items.count))
            case (.length, .object(let members)): current = .int(Int64(members.count))
            case (.length, .string(let text)): current = .int(Int64(text.count))
            default: return nil
            }
        }
        return current
    }
}

/// Why a JSON path cannot be read.
public struct JSONPathError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension JSONValue {
    /// A scalar as a check compares it: a string without quotes, numbers, `true`, `false` and
    /// `null` as written; an array or object as compact JSON.
    var checkText: String {
        switch self {
        case .string(let text): text
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .number(let text): text
        case .array, .object: String(decoding: serialized(.compact), as: UTF8.self)
        }
    }
}
