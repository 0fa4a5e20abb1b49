public import Foundation

/// Reads check suites (a file, or the inline `checks:` of a step), reporting every problem.
public enum CheckSuiteLoader {
    public static let defaultsOptions: [OptionSpec] = [
        OptionSpec("timeout", .duration, "Per request. Default 10s."),
        OptionSpec("retries", .number, "Extra attempts of a failing check. Default 0."),
        OptionSpec("delay", .duration, "Pause between attempts. Default 1s."),
    ]
    public static let expectOptions: [OptionSpec] = [
        OptionSpec("status", .numbers, "A status or a list of acceptable ones. Default 200."),
        OptionSpec("header", .textMap, "Header name to exact value, or ~ REGEX."),
        OptionSpec("json", .namedMap(.anything), "JSON path ($.a.b, $.items.length()) to the value it must have."),
        OptionSpec("body", .text, "The exact body."),
        OptionSpec("body_contains", .texts, "Text (or list of texts) the body must contain."),
        OptionSpec("body_matches", .text, "A regular expression the body must match."),
        OptionSpec("max_ms", .number, "Slowest acceptable total time, in milliseconds."),
    ]
    public static let captureOptions: [OptionSpec] = [
        OptionSpec("json", .text, "A JSON path into the body ($.access_token)."),
        OptionSpec("header", .text, "A response header's name."),
        OptionSpec("cookie", .text, "A cookie's name."),
        OptionSpec("regex", .text, "A regular expression on the body; its first group is the value."),
        OptionSpec("secret", .flag, "Mask the value like any secret. Default false."),
    ]
    public static let checkOptions: [OptionSpec] = [
        OptionSpec("name", .text, "Shown in reports. Default: the request line."),
        OptionSpec("request", .text, required: true, "METHOD PATH, e.g. GET /health."),
        OptionSpec("headers", .textMap, "Request headers."),
        OptionSpec("form", .textMap, "Form fields (one of form, json, body)."),
        OptionSpec("json", .anything, "A JSON body, written as YAML."),
        OptionSpec("body", .text, "A raw body, sent as is."),
        OptionSpec("expect", .mapping(expectOptions), "What the response must show. Default: status 200."),
        OptionSpec("capture", .namedMap(.mapping(captureOptions)), "Values taken from the response, used later as {{ captured.NAME }}."),
        OptionSpec("timeout", .duration, "Overrides defaults.timeout."),
        OptionSpec("retries", .number, "Overrides defaults.retries."),
        OptionSpec("follow_redirects", .flag, "Follow redirects. Default false."),
    ]
    public static let suiteOptions: [OptionSpec] = [
        OptionSpec("name", .text, "Shown in reports. Default: the file name."),
        OptionSpec("base_url", .text, "Prefix of every path that is not a full URL."),
        OptionSpec("defaults", .mapping(defaultsOptions), "timeout, retries, delay for every check."),
        OptionSpec("login", .list(.mapping(checkOptions)), "Requests that sign in first; their cookies and captures serve every check."),
        OptionSpec("checks", .list(.mapping(checkOptions)), "The checks, in order."),
        OptionSpec(
            "callbacks", .list(.mapping([OptionSpec("name", .text, "Shown in reports.")] + (StepRegistry.kind(named: "callback")?.options ?? []))),
            "Signed test callbacks rollout verify sends after the checks."),
        OptionSpec("secrets", .namedMap(.mapping(SecretDeclaration.options)), "Secrets the suite uses under rollout verify."),
    ]
    static let suiteKeys = suiteOptions.names
    static let defaultsKeys = defaultsOptions.names
    static let checkKeys = checkOptions.names
    static let expectKeys = expectOptions.names
    static let captureKeys = captureOptions.names
    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// Loads the suite at `url`; `name` is how messages name the file.
    /// `baseURLGiven` tells that whoever runs the suite supplies a `base_url` (a check step's
    /// override), so relative paths need none in the file.
    public static func load(
        _ url: URL, name: String, sink: DiagnosticSink, from origin: FileLocation? = nil, baseURLGiven: Bool = false
    ) -> CheckSuite? {
        guard let root = YAMLDocument.load(url, name: name, into: &sink.diagnostics, from: origin) else { return nil }
        return decode(root, file: name, sink: sink, baseURLGiven: baseURLGiven)
    }

    /// Decodes an already parsed suite.
    static func decode(_ root: YAMLNode, file: String, sink: DiagnosticSink, baseURLGiven: Bool = false) -> CheckSuite {
        let reader = OptionReader(root, context: "the check suite", allowed: suiteKeys, sink: sink)
        let name = reader.string("name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var suite = decode(reader, name: name, file: file, baseURLGiven: baseURLGiven, checksRequired: root["callbacks"] == nil)
        suite.secrets = SecretDeclaration.read(from: reader)
        suite.callbacks = callbacks(reader, file: file)
        reader.finish()
        return suite
    }

    /// Reads `base_url`, `defaults` and `checks` from `reader` (a suite file or a check step).
    static func decode(_ reader: OptionReader, name: String, file: String, baseURLGiven: Bool = false, checksRequired: Bool = true) -> CheckSuite {
        let baseURL = reader.template("base_url")
        var defaults = HTTPCheck.Defaults()
        if let defaultsReader = reader.mapping("defaults", allowed: defaultsKeys) {
            if let timeout = defaultsReader.duration("timeout", positive: true) { defaults.timeout = timeout }
            if let retries = defaultsReader.int("retries", in: 0...100) { defaults.retries = retries }
            if let delay = defaultsReader.duration("delay") { defaults.delay = delay }
        }
        let hasBaseURL = baseURLGiven || baseURL != nil
        var login: [HTTPCheck] = []
        if let node = reader.node("login") {
            if let items = node.items, !items.isEmpty {
                login = items.compactMap { check($0, defaults: defaults, hasBaseURL: hasBaseURL, sink: reader.sink) }
            } else {
                reader.sink.error(
                    "'login' must be a list of requests that sign in (like the checks), found \(node.kindDescription)", at: node.location)
            }
        }
        var checks: [HTTPCheck] = []
        if let node = reader.node("checks", required: checksRequired) {
            if let items = node.items {
                if items.isEmpty { reader.sink.error("'checks' is empty; add at least one request", at: node.location) }
                checks = items.compactMap { check($0, defaults: defaults, hasBaseURL: hasBaseURL, sink: reader.sink) }
            } else {
                reader.sink.error("'checks' must be a list of checks, found \(node.kindDescription)", at: node.location)
            }
        }
        checkCapturedReferences(login + checks, sink: reader.sink)
        return CheckSuite(
            name: name, baseURL: baseURL, defaults: defaults, checks: checks, login: login, secrets: [], file: file, location: reader.location)
    }

    /// Every `{{ captured.NAME }}` must be captured by an earlier request of the suite (the
    /// login's requests come first).
    private static func checkCapturedReferences(_ checks: [HTTPCheck], sink: DiagnosticSink) {
        var known: [String] = []
        for (position, check) in checks.enumerated() {
            for reference in check.templates.flatMap(\.references) where reference.path[0] == "captured" {
                let location = reference.location ?? check.location
                guard reference.path.count == 2 else {
                    sink.error("'\(reference)' needs one field: the capture's name, like {{ captured.token }}", at: location)
                    continue
                }
                let name = reference.path[1]
                if known.contains(name) { continue }
                if let later = checks[position...].first(where: { $0.captures.contains { $0.name == name } }) {
                    let whose = later.location == check.location ? "this request's own response" : "a later request (line \(later.location.line))"
                    sink.error("'captured.\(name)' comes from \(whose); a request can only use values captured before it", at: location)
                } else {
                    let all = checks.flatMap(\.captures).map(\.name)
                    sink.error(
                        "no request of the suite captures '\(name)'; add it under 'capture:' of an earlier request", at: location,
                        suggestion: NameSuggestion.closest(to: name, in: all))
                }
            }
            known += check.captures.map(\.name)
        }
    }

    /// `callbacks:`: each a callback step's options, with an optional `name`.
    private static func callbacks(_ reader: OptionReader, file: String) -> [SuiteCallback] {
        guard let node = reader.node("callbacks") else { return [] }
        guard let items = node.items else {
            reader.sink.error(
                "'callbacks' must be a list of callbacks (the options of a callback step), found \(node.kindDescription)", at: node.location)
            return []
        }
        if items.isEmpty { reader.sink.error("'callbacks' is empty; add a callback or remove the key", at: node.location) }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        // A suite's callbacks are callback steps: the registry's kind reads and sends them.
        guard let kind = StepRegistry.kind(named: "callback") else { return [] }
        return items.compactMap { item in
            let options = OptionReader(item, context: "a callback", allowed: kind.optionKeys + ["name"], sink: reader.sink)
            defer { options.finish() }
            let name = options.string("name")
            guard let step = kind.init(options: options, context: StepDecodingContext(directory: directory, location: item.location)) else {
                return nil
            }
            let written = (item.entries ?? []).filter { $0.key.scalar != "name" }
                .map { TemplateEntry(key: $0.key.scalar ?? "", value: options.templateTree($0.value)) }
            return SuiteCallback(name: name ?? step.summary, step: step, options: written, location: item.location)
        }
    }

    private static func check(_ node: YAMLNode, defaults: HTTPCheck.Defaults, hasBaseURL: Bool, sink: DiagnosticSink) -> HTTPCheck? {
        let reader = OptionReader(node, context: "a check", allowed: checkKeys, sink: sink)
        defer { reader.finish() }
        return check(reader, location: node.location, defaults: defaults, hasBaseURL: hasBaseURL)
    }

    /// One request and its expectations from `reader`, as a check or an `http` step writes it
    /// (`capture:` only in a check suite). The caller finishes the reader.
    static func check(
        _ reader: OptionReader, location: FileLocation, defaults: HTTPCheck.Defaults, hasBaseURL: Bool, captures capturesAllowed: Bool = true,
        owner: String = "the suite"
    ) -> HTTPCheck? {
        let sink = reader.sink
        guard let requestNode = reader.node("request", required: true), let request = reader.scalarText(requestNode, key: "request") else {
            return nil
        }
        let parts = request.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[1].isEmpty else {
            sink.error("'request' must be 'METHOD /path', like 'GET /health', found '\(request)'", at: requestNode.location)
            return nil
        }
        let method = parts[0].uppercased()
        if !methods.contains(method) {
            sink.error(
                "'\(parts[0])' is not an HTTP method (use \(methods.joined(separator: ", ")))", at: requestNode.location,
                suggestion: NameSuggestion.closest(to: method, in: methods))
        }
        let pathOffset = request.unicodeScalars.count - parts[1].unicodeScalars.count
        let pathNode = YAMLNode(.scalar(parts[1], quoted: false), at: requestNode.location.advanced(by: pathOffset))
        guard let path = reader.templateValue(pathNode, key: "request") else { return nil }
        let isAbsolute = parts[1].hasPrefix("http://") || parts[1].hasPrefix("https://")
        if !isAbsolute, !parts[1].hasPrefix("/"), !parts[1].hasPrefix("{{") {
            sink.error("the path of 'request' must start with '/' or be a full http(s) URL, found '\(parts[1])'", at: pathNode.location)
        } else if !isAbsolute, !hasBaseURL, !parts[1].hasPrefix("{{") {
            sink.error("'\(parts[1])' is relative but \(owner) has no 'base_url'", at: pathNode.location)
        }

        reader.atMostOne(of: ["form", "json", "body"])
        var body: HTTPCheck.Body?
        if let form = reader.templateMap("form") { body = .form(form) }
        if let json = reader.value("json") { body = .json(json) }
        if let raw = reader.template("body") { body = .raw(raw) }

        var expect = HTTPCheck.Expectation()
        if let expectReader = reader.mapping("expect", context: "'expect'", allowed: expectKeys) {
            if let status = expectReader.ints("status", in: 100...599) { expect.status = status }
            if let headerNode = expectReader.node("header") {
                expect.headers = headerExpectations(headerNode, reader: expectReader)
            }
            if let contains = expectReader.templates("body_contains") { expect.bodyContains = contains }
            if let maxMs = expectReader.int("max_ms", in: 1...3_600_000) { expect.maxTime = .milliseconds(maxMs) }
            if let jsonNode = expectReader.node("json") { expect.json = jsonExpectations(jsonNode, reader: expectReader) }
            expect.body = expectReader.template("body")
            if let patterns = expectReader.strings("body_matches") {
                let bodyLocation = expectReader.node("body_matches")?.location ?? location
                expect.bodyMatches = patterns.filter { isRegex($0, at: bodyLocation, sink: sink) }
            }
        }
        let captures = capturesAllowed ? reader.node("capture").map { captureList($0, sink: sink) } ?? [] : []
        return HTTPCheck(
            name: reader.string("name") ?? "\(method) \(parts[1])",
            method: method, path: path,
            headers: reader.templateMap("headers") ?? [],
            body: body, expect: expect, captures: captures,
            timeout: reader.duration("timeout", positive: true) ?? defaults.timeout,
            retries: reader.int("retries", in: 0...100) ?? defaults.retries,
            followRedirects: reader.bool("follow_redirects") ?? false,
            location: location)
    }

    private static func isRegex(_ pattern: String, at location: FileLocation, sink: DiagnosticSink) -> Bool {
        if (try? NSRegularExpression(pattern: pattern)) != nil { return true }
        sink.error("'\(pattern)' is not a valid regular expression", at: location)
        return false
    }

    /// `json: { "$.status": active, "$.items.length()": 3, "$.id": "~ ^sub_" }`.
    private static func jsonExpectations(_ node: YAMLNode, reader: OptionReader) -> [(path: JSONPath, expectation: HTTPCheck.ValueExpectation)] {
        guard let entries = node.entries else {
            reader.sink.error(
                "'json' must map JSON paths to expected values, like { \"$.status\": active }, found \(node.kindDescription)", at: node.location)
            return []
        }
        var result: [(path: JSONPath, expectation: HTTPCheck.ValueExpectation)] = []
        for entry in entries {
            guard let pathText = reader.scalarText(entry.key, key: "json") else { continue }
            let path: JSONPath
            do {
                path = try JSONPath(parsing: pathText)
            } catch {
                reader.sink.error(error.message, at: entry.key.location)
                continue
            }
            guard entry.value.items == nil, entry.value.entries == nil else {
                reader.sink.error(
                    "the expected value of '\(pathText)' must be one value (text, a number, true, false, null or ~ regex), found \(entry.value.kindDescription); check its parts with their own paths, like $.items[0]",
                    at: entry.value.location)
                continue
            }
            let text = entry.value.isNull ? "null" : (reader.scalarText(entry.value, key: pathText) ?? "")
            if text.hasPrefix("~") {
                let pattern = text.dropFirst().trimmingCharacters(in: .whitespaces)
                if isRegex(pattern, at: entry.value.location, sink: reader.sink) { result.append((path, .matches(pattern))) }
            } else if entry.value.isNull {
                result.append((path, .equals(Template(literal: "null"))))
            } else if let template = reader.templateValue(entry.value, key: pathText) {
                result.append((path, .equals(template)))
            }
        }
        return result
    }

    /// `capture: { token: { json: $.access_token, secret: true }, csrf: { regex: 'name="csrf_token" value="([^"]+)"' } }`.
    private static func captureList(_ node: YAMLNode, sink: DiagnosticSink) -> [CheckCapture] {
        guard let entries = node.entries else {
            sink.error(
                "'capture' must map names to where the value is, like { token: { json: $.access_token } }, found \(node.kindDescription)",
                at: node.location)
            return []
        }
        var result: [CheckCapture] = []
        for entry in entries {
            guard let name = entry.key.scalar, !name.isEmpty,
                name.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) })
            else {
                sink.error(
                    "a capture's name must be letters, digits and '_', like csrf_token, found '\(entry.key.scalar ?? entry.key.kindDescription)'",
                    at: entry.key.location)
                continue
            }
            let options = OptionReader(entry.value, context: "capture '\(name)'", allowed: captureKeys, sink: sink)
            defer { options.finish() }
            let secret = options.bool("secret") ?? false
            var source: CheckCapture.Source?
            switch options.exactlyOne(of: ["json", "header", "cookie", "regex"]) {
            case "json":
                if let text = options.string("json") {
                    do { source = .json(try JSONPath(parsing: text)) } catch {
                        sink.error(error.message, at: options.node("json")?.location ?? entry.value.location)
                    }
                }
            case "header": source = options.string("header").map { .header($0) }
            case "cookie": source = options.string("cookie").map { .cookie($0) }
            case "regex":
                if let pattern = options.string("regex"), isRegex(pattern, at: options.node("regex")?.location ?? entry.value.location, sink: sink) {
                    source = .regex(pattern)
                }
            default: break
            }
            if let source { result.append(CheckCapture(name: name, source: source, secret: secret, location: entry.key.location)) }
        }
        return result
    }

    private static func headerExpectations(_ node: YAMLNode, reader: OptionReader) -> [(name: String, expectation: HTTPCheck.HeaderExpectation)] {
        guard let entries = node.entries else {
            reader.sink.error("'header' must map header names to expected values, found \(node.kindDescription)", at: node.location)
            return []
        }
        var result: [(name: String, expectation: HTTPCheck.HeaderExpectation)] = []
        for entry in entries {
            guard let name = reader.scalarText(entry.key, key: "header"), let text = reader.scalarText(entry.value, key: name) else { continue }
            if text.hasPrefix("~") {
                let pattern = text.dropFirst().trimmingCharacters(in: .whitespaces)
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                    result.append((name, .matches(pattern)))
                } catch {
                    reader.sink.error("'\(pattern)' is not a valid regular expression", at: entry.value.location)
                }
            } else if let template = reader.templateValue(entry.value, key: name) {
                result.append((name, .equals(template)))
            }
        }
        return result
    }
}
