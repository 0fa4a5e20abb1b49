import Foundation

/// A step's `when:`: a template that must render truthy, or a comparison of two sides with
/// `==` or `!=` (`when: "{{ deploy_env }} == production"`). A side may be quoted ('x' or "x").
/// Falsy: empty text, `false`, `no`, `off`, `0` (any case); everything else is truthy.
public struct Condition: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Hashable {
        case equals = "=="
        case notEquals = "!="
    }

    public var left: Template
    /// Nil for a truthy test.
    public var comparison: Comparison?
    public var right: Template?
    /// The condition as written.
    public var source: String

    /// Parses `text`; the templates keep their locations in the file.
    init(parsing text: String, at location: FileLocation, fileText: SourceText?) throws(TemplateSyntaxError) {
        source = text
        let (leftText, comparison, rightText) = Self.split(text)
        let leftStart = location.advanced(by: text.unicodeScalars.count - text.drop { $0 == " " }.unicodeScalars.count)
        left = try Template(parsing: Self.unquote(leftText), at: leftStart, source: fileText)
        self.comparison = comparison
        if let rightText {
            // References on the right come after the left's in the file, so locate by occurrence count.
            let full = try Template(parsing: text, at: location, source: fileText)
            let leftCount = left.references.count
            let rightTemplate = try Template(parsing: Self.unquote(rightText))
            var segments: [Template.Segment] = []
            var index = leftCount
            for segment in rightTemplate.segments {
                if case .reference = segment, index < full.references.count {
                    segments.append(.reference(full.references[index]))
                    index += 1
                } else {
                    segments.append(segment)
                }
            }
            right = Template(segments: segments, source: rightText)
        } else {
            right = nil
        }
    }

    public var description: String { source }

    /// Every template in the condition.
    public var templates: [Template] { [left] + (right.map { [$0] } ?? []) }

    /// Whether the step runs.
    public func evaluate(in scope: Scope) throws(TemplateError) -> Bool {
        let leftValue = try left.render(in: scope).text.trimmingCharacters(in: .whitespaces)
        guard let comparison, let right else { return Self.isTruthy(leftValue) }
        let rightValue = try right.render(in: scope).text.trimmingCharacters(in: .whitespaces)
        return comparison == .equals ? leftValue == rightValue : leftValue != rightValue
    }

    static func isTruthy(_ text: String) -> Bool {
        !["", "false", "no", "off", "0"].contains(text.lowercased())
    }

    /// Splits at the first `==` or `!=` outside `{{ }}`.
    private static func split(_ text: String) -> (String, Comparison?, String?) {
        var depth = 0
        var index = text.startIndex
        while index < text.endIndex {
            let rest = text[index...]
            if rest.hasPrefix("{{") { depth += 1 } else if rest.hasPrefix("}}") { depth = max(0, depth - 1) }
            if depth == 0 {
                for comparison in [Comparison.equals, .notEquals] where rest.hasPrefix(comparison.rawValue) {
                    let left = String(text[..<index]).trimmingCharacters(in: .whitespaces)
                    let right = String(rest.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                    return (left, comparison, right)
                }
            }
            index = text.index(after: index)
        }
        return (text.trimmingCharacters(in: .whitespaces), nil, nil)
    }

    private static func unquote(_ text: String) -> String {
        for quote in ["'", "\""] where text.count >= 2 && text.hasPrefix(quote) && text.hasSuffix(quote) {
            return String(text.dropFirst().dropLast())
        }
        return text
    }
}
