/// Runs an HTTP check suite: `check: checks/billing.yml` (a file, relative to the playbook) or
/// inline `check: { base_url: …, checks: [ … ] }`. `base_url` overrides the file's. No undo.
public struct CheckStep: Step {
    public static let kind = "check"
    public static let mainOption: String? = "suite"
    public static let options: [OptionSpec] = [
        OptionSpec("suite", .text, "A check suite file, relative to the playbook."),
        OptionSpec("base_url", .text, "Overrides the suite's."),
        OptionSpec("defaults", .mapping(CheckSuiteLoader.defaultsOptions), "Inline checks' defaults, as in a suite file."),
        OptionSpec("checks", .list(.mapping(CheckSuiteLoader.checkOptions)), "Inline checks instead of suite."),
    ]
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
            if !loaded.callbacks.isEmpty {
                let only = loaded.checks.isEmpty ? "it has no checks, and its " : "its "
                let message = "\(context.displayName(of: path)): \(only)callbacks: are sent only by rollout verify; in a playbook, write them as callback steps"
                if loaded.checks.isEmpty { options.error(message, at: "suite") } else { options.warning(message, at: "suite") }
            }
            suite = loaded
        } else if options.has("checks") {
            suitePath = nil
            suite = CheckSuiteLoader.decode(options, name: "inline checks", file: context.location.file)
        } else {
            return nil
        }
    }

    /// A step running `suite`, loaded from `path` (what `rollout verify` runs).
    init(suite: CheckSuite, path: String?) {
        self.suite = suite
        suitePath = path
    }

    public var mutates: Bool { false }
    public var summary: String { "check \(suitePath ?? "\(suite.checks.count) requests")" }
}

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

    /// The check's name as this host sees it: an unnamed check is called after its request
    /// ("GET {{ success_path }}"), which reads better with its references filled in.
    func displayName(of check: HTTPCheck, in context: StepContext) -> String {
        guard let template = try? Template(parsing: check.name), let rendered = try? context.render(template) else { return check.name }
        return rendered.text
    }

    /// Sends every check in order from the machine running rollout; a failing check is sent
    /// again up to its `retries`, after `delay`. Passes only when every check passes.
    public func run(in context: StepContext) async throws -> StepRun {
        var lines: [String] = []
        var failures: [String] = []
        try await sendChecks(in: context) { _, name, result in
            let line = context.masker.mask("\(name): \(result.summaryText)")
            context.output?(OutputChunk(stream: .stdout, bytes: Array((line + "\n").utf8)))
            lines.append(line)
            if !result.passed { failures.append("\(name): \(result.problems.joined(separator: "; "))") }
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

    /// Sends every check of the suite in order, calling `finished` with each check, its name
    /// as this host sees it and its result as soon as it is known. `rollout verify` shares it.
    func sendChecks(
        in context: StepContext, finished: (_ check: HTTPCheck, _ name: String, _ result: HTTPCheckResult) -> Void
    ) async throws {
        let baseURL = try suite.baseURL.map { template throws(StepError) in try context.render(template) }
        for check in suite.checks {
            let result = try await run(check, baseURL: baseURL, in: context)
            finished(check, displayName(of: check, in: context), result)
        }
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
