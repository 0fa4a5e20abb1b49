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
        OptionSpec("body_contains", .texts, "Text (or list of texts) the body must contain."),
        OptionSpec("max_ms", .number, "Slowest acceptable total time, in milliseconds."),
    ]
    public static let checkOptions: [OptionSpec] = [
        OptionSpec("name", .text, "Shown in reports. Default: the request line."),
        OptionSpec("request", .text, required: true, "METHOD PATH, e.g. GET /health."),
        OptionSpec("headers", .textMap, "Request headers."),
        OptionSpec("form", .textMap, "Form fields (one of form, json, body)."),
        OptionSpec("json", .anything, "A JSON body, written as YAML."),
        OptionSpec("body", .text, "A raw body, sent as is."),
        OptionSpec("expect", .mapping(expectOptions), "What the response must show. Default: status 200."),
        OptionSpec("timeout", .duration, "Overrides defaults.timeout."),
        OptionSpec("retries", .number, "Overrides defaults.retries."),
        OptionSpec("follow_redirects", .flag, "Follow redirects. Default false."),
    ]
    public static let suiteOptions: [OptionSpec] = [
        OptionSpec("name", .text, "Shown in reports. Default: the file name."),
        OptionSpec("base_url", .text, "Prefix of every path that is not a full URL."),
        OptionSpec("defaults", .mapping(defaultsOptions), "timeout, retries, delay for every check."),
        OptionSpec("checks", .list(.mapping(checkOptions)), "The checks, in order."),
        OptionSpec("callbacks", .list(.mapping([OptionSpec("name", .text, "Shown in reports.")] + CallbackStep.options)), "Signed test callbacks rollout verify sends after the checks."),
        OptionSpec("secrets", .namedMap(.mapping(PlaybookLoader.secretOptions)), "Secrets the suite uses under rollout verify."),
    ]
    static let suiteKeys = suiteOptions.names
    static let defaultsKeys = defaultsOptions.names
    static let checkKeys = checkOptions.names
    static let expectKeys = expectOptions.names
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
        suite.secrets = PlaybookLoader.secretDeclarations(reader)
        suite.callbacks = callbacks(reader, file: file)
        reader.finish()
        return suite
    }

    /// Reads `base_url`, `defaults` and `checks` from `reader` (a suite file or a check step).
    static func decode(_ reader: OptionReader, name: String, file: String, baseURLGiven: Bool = false, checksRequired: Bool = true) -> CheckSuite {
        let baseURL = reader.template("base_url")
        var defaults = HTTPCheck.Defaults()
        if let defaultsReader = reader.mapping("defaults", allowed: defaultsKeys) {
            if let timeout = defaultsReader.duration("timeout") { defaults.timeout = timeout }
            if let retries = defaultsReader.int("retries", in: 0...100) { defaults.retries = retries }
            if let delay = defaultsReader.duration("delay") { defaults.delay = delay }
        }
        var checks: [HTTPCheck] = []
        if let node = reader.node("checks", required: checksRequired) {
            if let items = node.items {
                if items.isEmpty { reader.sink.error("'checks' is empty; add at least one request", at: node.location) }
                checks = items.compactMap { check($0, defaults: defaults, hasBaseURL: baseURLGiven || baseURL != nil, sink: reader.sink) }
            } else {
                reader.sink.error("'checks' must be a list of checks, found \(node.kindDescription)", at: node.location)
            }
        }
        return CheckSuite(name: name, baseURL: baseURL, defaults: defaults, checks: checks, secrets: [], file: file, location: reader.location)
    }

    /// `callbacks:`: each a callback step's options, with an optional `name`.
    private static func callbacks(_ reader: OptionReader, file: String) -> [SuiteCallback] {
        guard let node = reader.node("callbacks") else { return [] }
        guard let items = node.items else {
            reader.sink.error("'callbacks' must be a list of callbacks (the options of a callback step), found \(node.kindDescription)", at: node.location)
            return []
        }
        if items.isEmpty { reader.sink.error("'callbacks' is empty; add a callback or remove the key", at: node.location) }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        return items.compactMap { item in
            let options = OptionReader(item, context: "a callback", allowed: ["name"] + CallbackStep.optionKeys, sink: reader.sink)
            defer { options.finish() }
            let name = options.string("name")
            guard let step = CallbackStep(options: options, context: StepDecodingContext(directory: directory, location: item.location)) else {
                return nil
            }
            return SuiteCallback(name: name ?? step.summary, step: step, location: item.location)
        }
    }

    private static func check(_ node: YAMLNode, defaults: HTTPCheck.Defaults, hasBaseURL: Bool, sink: DiagnosticSink) -> HTTPCheck? {
        let reader = OptionReader(node, context: "a check", allowed: checkKeys, sink: sink)
        defer { reader.finish() }
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
            sink.error("'\(parts[0])' is not an HTTP method (use \(methods.joined(separator: ", ")))", at: requestNode.location,
                       suggestion: NameSuggestion.closest(to: method, in: methods))
        }
        let pathOffset = request.unicodeScalars.count - parts[1].unicodeScalars.count
        let pathNode = YAMLNode(.scalar(parts[1], quoted: false), at: requestNode.location.advanced(by: pathOffset))
        guard let path = reader.templateValue(pathNode, key: "request") else { return nil }
        let isAbsolute = parts[1].hasPrefix("http://") || parts[1].hasPrefix("https://")
        if !isAbsolute, !parts[1].hasPrefix("/"), !parts[1].hasPrefix("{{") {
            sink.error("the path of 'request' must start with '/' or be a full http(s) URL, found '\(parts[1])'", at: pathNode.location)
        } else if !isAbsolute, !hasBaseURL, !parts[1].hasPrefix("{{") {
            sink.error("'\(parts[1])' is relative but the suite has no 'base_url'", at: pathNode.location)
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
        }
        return HTTPCheck(
            name: reader.string("name") ?? "\(method) \(parts[1])",
            method: method, path: path,
            headers: reader.templateMap("headers") ?? [],
            body: body, expect: expect,
            timeout: reader.duration("timeout") ?? defaults.timeout,
            retries: reader.int("retries", in: 0...100) ?? defaults.retries,
            followRedirects: reader.bool("follow_redirects") ?? false,
            location: node.location)
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
