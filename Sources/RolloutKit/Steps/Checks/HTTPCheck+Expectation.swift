import BillingCore
import Foundation

extension HTTPCheck.Expectation {
    /// `status 302, header Location ~ /auth/login, max 500 ms`.
    var summary: String {
        var parts = ["status " + status.map(String.init).joined(separator: " or ")]
        for header in headers {
            switch header.expectation {
            case .equals(let template): parts.append("header \(header.name): \(template.source)")
            case .matches(let pattern): parts.append("header \(header.name) ~ \(pattern)")
            }
        }
        for entry in json {
            switch entry.expectation {
            case .equals(let template): parts.append("\(entry.path) = \(template.source)")
            case .matches(let pattern): parts.append("\(entry.path) ~ \(pattern)")
            }
        }
        if let body { parts.append("body '\(body.source)'") }
        for text in bodyContains { parts.append("body contains '\(text.source)'") }
        for pattern in bodyMatches { parts.append("body ~ \(pattern)") }
        if let maxTime { parts.append("max \(Int(maxTime.milliseconds)) ms") }
        return parts.joined(separator: ", ")
    }

    /// Each way `response` falls short, as `what: expected …, got …`; empty when it passes.
    func problems(
        with response: HTTPResponse, using renderer: some StepRendering
    ) throws(StepError) -> [String] {
        var problems: [String] = []
        if !status.contains(response.status) {
            let got = response.redirectURL.map { "\(response.status) (to \($0))" } ?? String(response.status)
            problems.append("status: expected \(status.map(String.init).joined(separator: " or ")), got \(got)")
        }
        for header in headers {
            let values = response.headers.filter { $0.name.caseInsensitiveCompare(header.name) == .orderedSame }.map(\.value)
            let got = values.isEmpty ? "no such header" : values.map { "'\(renderer.masker.mask($0))'" }.joined(separator: ", ")
            switch header.expectation {
            case .equals(let template):
                let expected = try renderer.render(template)
                if !values.contains(expected.text) {
                    problems.append("header \(header.name): expected '\(expected.masked)', got \(got)")
                }
            case .matches(let pattern):
                let regex = try? NSRegularExpression(pattern: pattern)
                let matches = values.contains { value in
                    regex?.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
                }
                if !matches { problems.append("header \(header.name): expected ~ \(pattern), got \(got)") }
            }
        }
        let body = response.bodyText
        let shown = renderer.masker.mask(body)
        for template in bodyContains {
            let expected = try renderer.render(template)
            if !body.contains(expected.text) {
                problems.append("body: expected to contain '\(expected.masked)', got '\(Self.excerpt(shown))'")
            }
        }
        for pattern in bodyMatches where !Self.matches(pattern, body) {
            problems.append("body: expected ~ \(pattern), got '\(Self.excerpt(shown))'")
        }
        if let expected = try self.body.map({ template throws(StepError) in try renderer.render(template) }), body != expected.text {
            problems.append("body: expected '\(Self.excerpt(expected.masked))', got '\(Self.excerpt(shown))'")
        }
        if !json.isEmpty {
            problems += try jsonProblems(body, shown: shown, using: renderer)
        }
        if let maxTime, response.timings.total > maxTime {
            problems.append(
                String(format: "time: expected at most %d ms, got %.1f ms", Int(maxTime.milliseconds), response.timings.total.milliseconds))
        }
        return problems
    }

    private func jsonProblems(_ body: String, shown: String, using renderer: some StepRendering) throws(StepError) -> [String] {
        guard let document = try? JSONValue(parsing: body) else {
            return ["json: expected a JSON body, got '\(Self.excerpt(shown))'"]
        }
        var problems: [String] = []
        for entry in json {
            let found = entry.path.value(in: document)
            let got = found.map { "'\(Self.excerpt(renderer.masker.mask($0.checkText)))'" } ?? "nothing there"
            switch entry.expectation {
            case .equals(let template):
                let expected = try renderer.render(template)
                if found?.checkText != expected.text { problems.append("json \(entry.path): expected '\(expected.masked)', got \(got)") }
            case .matches(let pattern):
                if !(found.map { Self.matches(pattern, $0.checkText) } ?? false) {
                    problems.append("json \(entry.path): expected ~ \(pattern), got \(got)")
                }
            }
        }
        return problems
    }

    private static func matches(_ pattern: String, _ text: String) -> Bool {
        (try? NSRegularExpression(pattern: pattern))?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The start of a body on one line, for messages.
    static func excerpt(_ body: String, limit: Int = 80) -> String {
        let line = body.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }
}
