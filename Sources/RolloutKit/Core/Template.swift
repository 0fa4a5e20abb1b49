import Foundation

/// Text with `{{ name }}` references, parsed once at load time and rendered per host at run time.
///
/// A reference is a dotted path: `{{ app_dir }}`, `{{ secrets.paytr_key }}`, `{{ env.HOME }}`,
/// `{{ run.id }}`, `{{ host.address }}`, `{{ backup.path }}`. Everything else passes through
/// untouched, so a shell's own `${VAR}` and `$VAR` reach the shell. `\{{` writes a literal `{{`.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    /// A run of literal text or one reference.
    public enum Segment: Sendable, Hashable {
        case text(String)
        case reference(Reference)
    }

    /// One `{{ a.b }}` and where it was written.
    public struct Reference: Sendable, Hashable, CustomStringConvertible {
        /// The dotted path, split: `["secrets", "paytr_key"]`.
        public var path: [String]
        /// Where `{{` stands in the file, when the template came from one.
        public var location: FileLocation?

        public var description: String { path.joined(separator: ".") }
    }

    /// The text as written.
    public let source: String
    public let segments: [Segment]

    /// A template that is only text (no references are looked for).
    public init(literal text: String) {
        source = text
        segments = text.isEmpty ? [] : [.text(text)]
    }

    /// Parses `text`. `location` is where the text starts in its file, and `fileText` the whole
    /// file, so each reference gets its own line and column; both are optional.
    public init(parsing text: String, at location: FileLocation? = nil, fileText: String? = nil) throws(TemplateSyntaxError) {
        try self.init(parsing: text, at: location, source: fileText.map(SourceText.init))
    }

    init(parsing text: String, at location: FileLocation?, source: SourceText?) throws(TemplateSyntaxError) {
        self.source = text
        segments = try TemplateParser(text: text, location: location, fileText: source).parse()
    }

    init(segments: [Segment], source: String) {
        self.segments = segments
        self.source = source
    }

    /// Every reference, in order.
    public var references: [Reference] {
        segments.compactMap { if case .reference(let reference) = $0 { reference } else { nil } }
    }

    /// True when the template has no references.
    public var isLiteral: Bool { references.isEmpty }

    public var description: String { source }

    /// Renders with the values of `scope`. Throws when a reference is undefined, or (outside a
    /// preview) when its value is only known later in the run.
    public func render(in scope: Scope) throws(TemplateError) -> RenderedText {
        var rendered = RenderedText()
        for segment in segments {
            switch segment {
            case .text(let text): rendered.append(text)
            case .reference(let reference): rendered.append(try scope.value(of: reference))
            }
        }
        return rendered
    }
}

/// A template that cannot be parsed, such as an unclosed `{{`.
public struct TemplateSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// Where the problem is, when the template came from a file.
    public var location: FileLocation?
    public var description: String { message }
}

/// Splits template text into literal runs and references.
private struct TemplateParser {
    let text: String
    let location: FileLocation?
    let fileText: SourceText?

    func parse() throws(TemplateSyntaxError) -> [Template.Segment] {
        var segments: [Template.Segment] = []
        var literal = ""
        var rest = Substring(text)
        var occurrence = 0
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex, rest[rest.index(before: open.lowerBound)] == "\\" {
                literal += rest[rest.startIndex..<rest.index(before: open.lowerBound)] + "{{"
                rest = rest[open.upperBound...]
                occurrence += 1
                continue
            }
            literal += rest[rest.startIndex..<open.lowerBound]
            let referenceLocation = locate(occurrence: occurrence, offset: text.unicodeScalars.distance(from: text.startIndex, to: open.lowerBound))
            occurrence += 1
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw TemplateSyntaxError(message: "'{{' is not closed; write {{ name }}", location: referenceLocation)
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let path = inner.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !inner.isEmpty, path.allSatisfy(Self.isName) else {
                let hint = inner.contains("|") ? " (filters are not supported)" : ""
                throw TemplateSyntaxError(
                    message: "'{{ \(inner) }}' is not a variable reference\(hint); write {{ name }} or {{ name.field }}",
                    location: referenceLocation)
            }
            if !literal.isEmpty { segments.append(.text(literal)) }
            literal = ""
            segments.append(.reference(Template.Reference(path: path, location: referenceLocation)))
            rest = rest[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty { segments.append(.text(literal)) }
        return segments
    }

    static func isName(_ part: String) -> Bool {
        guard let first = part.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return part.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }

    /// The location of the `occurrence`-th `{{` of this template. With the file's text it is
    /// found in the file (right for quoted and multi-line scalars too); otherwise it is
    /// counted along the first line.
    private func locate(occurrence: Int, offset: Int) -> FileLocation? {
        guard let location else { return nil }
        guard let fileText else { return location.advanced(by: offset) }
        let scalars = fileText.scalars
        var index = fileText.offset(of: location)
        var seen = 0
        while index + 1 < scalars.count {
            if scalars[index] == "{", scalars[index + 1] == "{" {
                if seen == occurrence { return fileText.location(of: index, file: location.file) }
                seen += 1
                index += 2
                continue
            }
            index += 1
        }
        return location.advanced(by: offset)
    }
}
