import BillingCore
import Foundation

/// Runs an HTTP check suite: `check: checks/billing.yml` (a file, relative to the playbook) or
/// inline `check: { base_url: …, checks: [ … ] }`. `base_url` overrides the file's. No undo.
public struct CheckStep: Step {
    public static let kind = "check"
    public static let mainOption: String? = "suite"
    public static let optionKeys = ["suite", "base_url", "defaults", "checks"]
    public static let resultFields = RegisteredResult.commonFields + ["passed", "failed"]

    /// The suite file as written, when the checks come from a file.
    public var suitePath: String?
    /// The checks, loaded at load time so their mistakes are reported with the playbook's.
    public var suite: CheckSuite

    public init?(options: OptionReader, context: StepDecodingContext) {
        options.exactlyOne(of: ["suite", "checks"])
        if let path = options.string("suite") {
            suitePath = path
            options.atMostOne(of: ["suite", "defaults"])
            let override = options.template("base_url")
            guard var loaded = CheckSuiteLoader.load(
                context.url(of: path), name: context.displayName(of: path), sink: options.sink, from: options.keyLocation("suite"),
                baseURLGiven: override != nil)
            else { return nil }
            if let override { loaded.baseURL = override }
            suite = loaded
        } else if options.has("checks") {
            suitePath = nil
            suite = CheckSuiteLoader.decode(options, name: "inline checks", file: context.location.file)
        } else {
            return nil
        }
    }

    public var mutates: Bool { false }
    public var summary: String { "check \(suitePath ?? "\(suite.checks.count) requests")" }
}

/// What renders a step's templates and names its failures: the step's context on a host, or a
/// plain scope in tests.
protocol StepRendering {
    func render(_ template: Template) throws(StepError) -> RenderedText
    func failure(_ message: String, hint: String?) -> StepError
}

extension StepContext: StepRendering {}

extension CheckStep: RunnableStep {
    /// The requests the suite would send, with what each expects; sends nothing.
    public func plan(in context: StepContext) async throws -> StepPlan {
        let baseURL = try suite.baseURL.map { template throws(StepError) in try context.render(template) }
        var lines = ["\(suite.name): \(suite.checks.count) \(suite.checks.count == 1 ? "check" : "checks")"]
        for check in suite.checks {
            let url = try check.url(baseURL: baseURL, using: context)
            lines.append("\(check.method) \(url.masked) — expect \(check.expect.summary)")
        }
        return StepPlan(lines, changes: .none)
    }

    /// Sends every check in order from the machine running rollout; a failing check is sent
    /// again up to its `retries`, after `delay`. Passes only when every check passes.
    public func run(in context: StepContext) async throws -> StepRun {
        let baseURL = try suite.baseURL.map { template throws(StepError) in try context.render(template) }
        var lines: [String] = []
        var failures: [String] = []
        for check in suite.checks {
            let result = try await run(check, baseURL: baseURL, in: context)
            let attempts = result.attempts > 1 ? " after \(result.attempts) attempts" : ""
            let line = context.masker.mask("\(check.name): \(result.statusText), \(result.millisecondsText), \(result.passed ? "pass" : "FAIL")\(attempts)")
            context.output?(OutputChunk(stream: .stdout, bytes: Array((line + "\n").utf8)))
            lines.append(line)
            if !result.passed { failures.append("\(check.name): \(result.problems.joined(separator: "; "))") }
        }
        let output = lines.joined(separator: "\n")
        let fields = [
            "stdout": output, "passed": String(suite.checks.count - failures.count), "failed": String(failures.count),
        ]
        let command = CommandResult(exitStatus: failures.isEmpty ? 0 : 1, stdout: Array((output + "\n").utf8))
        guard failures.isEmpty else {
            let failure = "\(failures.count) of \(suite.checks.count) checks of '\(suite.name)' failed — " + failures.joined(separator: " | ")
            return StepRun(outcome: .failed, command: command, fields: fields, failure: context.masker.mask(failure))
        }
        return StepRun(outcome: .ok, command: command, fields: fields)
    }

    private func run(_ check: HTTPCheck, baseURL: RenderedText?, in context: StepContext) async throws -> HTTPCheckResult {
        let request = try check.request(baseURL: baseURL, using: context)
        var attempt = 0
        while true {
            attempt += 1
            var result: HTTPCheckResult
            do {
                let response = try await context.http.send(request)
                result = HTTPCheckResult(response: response, problems: try check.expect.problems(with: response, using: context))
            } catch let error as HTTPClientError {
                result = HTTPCheckResult(error: context.masker.mask("\(error)"))
            }
            result.attempts = attempt
            if result.passed || attempt > check.retries { return result }
            try await Task.sleep(for: suite.defaults.delay)
        }
    }
}

/// How one check went: the response (or why there was none) and what did not match.
struct HTTPCheckResult: Sendable {
    var status: Int?
    var elapsed: Duration?
    /// Requests sent for the check, retries included.
    var attempts = 1
    /// Each expectation the response did not meet, as `expected …, got …`.
    var problems: [String]

    init(response: HTTPResponse, problems: [String]) {
        status = response.status
        elapsed = response.timings.total
        self.problems = problems
    }

    init(error: String) {
        problems = [error]
    }

    var passed: Bool { problems.isEmpty }
    var statusText: String { status.map(String.init) ?? "no response" }
    var millisecondsText: String { elapsed.map { String(format: "%.1f ms", $0.milliseconds) } ?? "-" }
}

extension HTTPCheck {
    /// The check's URL: a full URL as written, else the path joined to `baseURL`.
    func url(
        baseURL: RenderedText?, using renderer: some StepRendering
    ) throws(StepError) -> RenderedText {
        let path = try renderer.render(self.path)
        if path.text.hasPrefix("http://") || path.text.hasPrefix("https://") { return path }
        guard let baseURL else {
            throw renderer.failure("\(name): '\(path.masked)' is relative but the suite has no 'base_url'",
                                   hint: "set base_url in the suite or on the check step")
        }
        var joined = baseURL
        // `base_url: http://app/` and `GET /health` make one slash, not two.
        if baseURL.text.hasSuffix("/"), self.path.source.hasPrefix("/"), let rest = try? Template(parsing: String(self.path.source.dropFirst())) {
            joined.append(try renderer.render(rest))
        } else {
            joined.append(path)
        }
        return joined
    }

    /// The request this check sends, every template rendered.
    func request(
        baseURL: RenderedText?, using renderer: some StepRendering
    ) throws(StepError) -> HTTPRequest {
        let url = try url(baseURL: baseURL, using: renderer)
        var headers: [HTTPHeader] = []
        for header in self.headers {
            headers.append(HTTPHeader(header.key, try Self.text(header.value, key: header.key, using: renderer)))
        }
        var requestBody = HTTPRequest.Body.none
        switch body {
        case .form(let fields):
            var form: [HTTPHeader] = []
            for field in fields { form.append(HTTPHeader(field.key, try Self.text(field.value, key: field.key, using: renderer))) }
            requestBody = .form(form)
        case .json(let value):
            requestBody = .bytes(Data(try Self.json(value, using: renderer).serialized(.compact)))
            if headers.value(for: "Content-Type") == nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        case .raw(let text):
            requestBody = .bytes(Data(try renderer.render(text).text.utf8))
        case nil:
            break
        }
        return HTTPRequest(method: method, url: url.text, headers: headers, body: requestBody, timeout: timeout, followRedirects: followRedirects)
    }

    private static func text(
        _ value: TemplateValue, key: String, using renderer: some StepRendering
    ) throws(StepError) -> String {
        switch value {
        case .text(let template): return try renderer.render(template).text
        case .null: return ""
        case .list, .map:
            throw renderer.failure("'\(key)' must be a single value, not a list or mapping", hint: nil)
        }
    }

    /// A JSON body from YAML: unquoted-looking numbers, `true`, `false` and `null` keep their
    /// JSON type; any other scalar is a string.
    static func json(_ value: TemplateValue, using renderer: some StepRendering) throws(StepError) -> JSONValue {
        switch value {
        case .text(let template):
            let text = try renderer.render(template).text
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default:
                if let integer = Int64(text) { return .int(integer) }
                if Double(text) != nil, text.first.map({ $0.isNumber || $0 == "-" }) == true { return .number(text) }
                return .string(text)
            }
        case .list(let items):
            var array: [JSONValue] = []
            for item in items { array.append(try json(item, using: renderer)) }
            return .array(array)
        case .map(let entries):
            var members: [(key: String, value: JSONValue)] = []
            for entry in entries { members.append((entry.key, try json(entry.value, using: renderer))) }
            return .object(members)
        case .null:
            return .null
        }
    }
}

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
        for text in bodyContains { parts.append("body contains '\(text.source)'") }
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
            let got = values.isEmpty ? "no such header" : values.map { "'\($0)'" }.joined(separator: ", ")
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
        for template in bodyContains {
            let expected = try renderer.render(template)
            if !body.contains(expected.text) {
                problems.append("body: expected to contain '\(expected.masked)', got '\(Self.excerpt(body))'")
            }
        }
        if let maxTime, response.timings.total > maxTime {
            problems.append(String(format: "time: expected at most %d ms, got %.1f ms", Int(maxTime.milliseconds), response.timings.total.milliseconds))
        }
        return problems
    }

    /// The start of a body on one line, for messages.
    static func excerpt(_ body: String, limit: Int = 80) -> String {
        let line = body.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }
}
