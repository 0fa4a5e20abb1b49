import Foundation

/// Runs an HTTP check suite: `check: checks/billing.yml` (a file, relative to the playbook) or
/// inline `check: { base_url: …, checks: [ … ] }`. `base_url` overrides the file's. No undo.
public struct CheckStep: Step {
    public static let kind = "check"
    public static let mainOption: String? = "suite"
    public static let options: [OptionSpec] = [
        OptionSpec("suite", .text, "A check suite file, relative to the playbook."),
        OptionSpec("base_url", .text, "Overrides the suite's."),
        OptionSpec("defaults", .mapping(CheckSuiteLoader.defaultsOptions), "Inline checks' defaults, as in a suite file."),
        OptionSpec("login", .list(.mapping(CheckSuiteLoader.checkOptions)), "Inline requests that sign in first, as in a suite file."),
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
            guard
                var loaded = CheckSuiteLoader.load(
                    context.url(of: path), name: context.displayName(of: path), sink: options.sink, from: options.keyLocation("suite"),
                    baseURLGiven: override != nil)
            else { return nil }
            if let override { loaded.baseURL = override }
            if !loaded.callbacks.isEmpty {
                let only = loaded.checks.isEmpty ? "it has no checks, and its " : "its "
                let message =
                    "\(context.displayName(of: path)): \(only)callbacks: are sent only by rollout verify; in a playbook, write them as callback steps"
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

    public var mutates: Bool { false }
    public var summary: String { "check \(suitePath ?? "\(suite.checks.count) requests")" }

    public var nestedTemplates: [Template] { suite.templates }

    /// The suite's captures that are not secret are registered too (`{{ checkout.oid }}`), so a
    /// later step can use what the app answered: the order a signed-in checkout created, for
    /// the payment notification that settles it. Secret captures never leave the suite.
    public var registeredFields: [String] {
        var fields = Self.resultFields
        for capture in (suite.login + suite.checks).flatMap(\.captures) where !capture.secret && !fields.contains(capture.name) {
            fields.append(capture.name)
        }
        return fields
    }

    /// Inline checks are listed one per line, with what each expects, instead of as written.
    public static let optionsShownByPlanDetails: Set<String> = ["checks"]
    public var planDetails: [String] {
        ["checks:"] + suite.checks.map { "  - \($0.name) → expect \($0.expect.summary)" }
    }
}

extension CheckStep: RunnableStep {
    /// The requests the suite would send, with what each expects; sends nothing.
    public func plan(in context: StepContext) async throws -> StepPlan {
        let baseURL = try suite.baseURL.map { template throws(StepError) in try context.render(template) }
        var lines = ["\(suite.name): \(suite.checks.count) \(suite.checks.count == 1 ? "check" : "checks")"]
        for check in suite.login {
            let url = try check.url(baseURL: baseURL, using: context)
            lines.append("login: \(check.method) \(url.masked) — expect \(check.expect.summary)\(Self.captureSummary(check))")
        }
        for check in suite.checks {
            let url = try check.url(baseURL: baseURL, using: context)
            lines.append("\(check.method) \(url.masked) — expect \(check.expect.summary)\(Self.captureSummary(check))")
        }
        return StepPlan(lines, changes: .none)
    }

    private static func captureSummary(_ check: HTTPCheck) -> String {
        guard !check.captures.isEmpty else { return "" }
        let parts = check.captures.map { "\($0.name) from \($0.sourceText)\($0.secret ? " (secret)" : "")" }
        return "; captures " + parts.joined(separator: ", ")
    }

    /// Sends every check in order from the machine running rollout; a failing check is sent
    /// again up to its `retries`, after `delay`. Passes only when every check passes.
    public func run(in context: StepContext) async throws -> StepRun {
        var lines: [String] = []
        var failures: [String] = []
        var sent = 0
        let captured = try await CheckSuiteRun(suite: suite).send(in: context) { _, name, result in
            sent += 1
            let line = context.masker.mask("\(name): \(result.summaryText)")
            context.output?(OutputChunk(stream: .stdout, bytes: Array((line + "\n").utf8)))
            lines.append(line)
            if !result.passed { failures.append("\(name): \(result.problems.joined(separator: "; "))") }
        }
        let output = lines.joined(separator: "\n")
        var fields = [
            "stdout": output, "passed": String(sent - failures.count), "failed": String(failures.count),
        ]
        for name in registeredFields where fields[name] == nil { fields[name] = captured[name].flatMap { $0.secret ? nil : $0.value } ?? "" }
        let command = CommandResult(exitStatus: failures.isEmpty ? 0 : 1, stdout: Array((output + "\n").utf8))
        guard failures.isEmpty else {
            let failure = "\(failures.count) of \(sent) checks of '\(suite.name)' failed — " + failures.joined(separator: " | ")
            return StepRun(outcome: .failed, command: command, fields: fields, failure: context.masker.mask(failure))
        }
        return StepRun(outcome: .ok, command: command, fields: fields)
    }
}
