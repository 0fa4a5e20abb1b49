import Crypto
import Foundation

/// Runs an HTTP check suite: `check: checks/billing.yml` (a file, relative to the playbook) or
/// inline `check: { base_url: …, checks: [ … ] }`. `base_url` overrides the file's. No undo.
public struct CheckStep: Step {
    public static let kind = "check"
    public static let mainOption: String? = "suite"
    public static let optionKeys = ["suite", "base_url", "defaults", "login", "checks"]
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
        var sent = 0
        try await sendChecks(in: context) { _, name, result in
            sent += 1
            let line = context.masker.mask("\(name): \(result.summaryText)")
            context.output?(OutputChunk(stream: .stdout, bytes: Array((line + "\n").utf8)))
            lines.append(line)
            if !result.passed { failures.append("\(name): \(result.problems.joined(separator: "; "))") }
        }
        let output = lines.joined(separator: "\n")
        let fields = [
            "stdout": output, "passed": String(sent - failures.count), "failed": String(failures.count),
        ]
        let command = CommandResult(exitStatus: failures.isEmpty ? 0 : 1, stdout: Array((output + "\n").utf8))
        guard failures.isEmpty else {
            let failure = "\(failures.count) of \(sent) checks of '\(suite.name)' failed — " + failures.joined(separator: " | ")
            return StepRun(outcome: .failed, command: command, fields: fields, failure: context.masker.mask(failure))
        }
        return StepRun(outcome: .ok, command: command, fields: fields)
    }

    /// Sends every check of the suite in order, calling `finished` with each check, its name
    /// as this host sees it and its result (every text masked, secret captures included) as
    /// soon as it is known. The suite's `login:` goes first, unless this run already signed in
    /// with the same requests and that session has not expired; its cookies and captured
    /// values serve every check. `rollout verify` shares it.
    func sendChecks(
        in context: StepContext, finished: (_ check: HTTPCheck, _ name: String, _ result: HTTPCheckResult) -> Void
    ) async throws {
        var context = context
        let baseURL = try suite.baseURL.map { template throws(StepError) in try context.render(template) }
        var session = CheckSession()
        let loginKey = suite.login.isEmpty ? nil : try loginKey(baseURL: baseURL, in: context)
        if let loginKey, let kept = await context.http.sessions.session(for: loginKey) {
            session = kept
            context.masker = context.masker.adding(secrets: session.secretValues)
        } else if let loginKey {
            var signedIn = true
            for check in suite.login {
                let result = try await run(check, baseURL: baseURL, session: &session, in: &context)
                signedIn = signedIn && result.passed
                finished(check, "login › " + context.masker.mask(displayName(of: check, in: context)), result)
            }
            if signedIn { await context.http.sessions.keep(session, for: loginKey) }
        }
        for check in suite.checks {
            let result = try await run(check, baseURL: baseURL, session: &session, in: &context)
            finished(check, context.masker.mask(displayName(of: check, in: context)), result)
        }
    }

    /// What makes two logins the same: their requests as sent, captured values left as
    /// placeholders (a CSRF token differs every time). Hashed, so no credential is kept in it.
    private func loginKey(baseURL: RenderedText?, in context: StepContext) throws(StepError) -> String {
        var preview = context
        preview.scope.preview = true
        var hash = SHA256()
        for check in suite.login {
            let request = try check.request(baseURL: baseURL, using: preview)
            var text = "\(request.method) \(request.url)\n"
            for header in request.headers { text += "\(header.name): \(header.value)\n" }
            hash.update(data: Data(text.utf8))
            if let body = request.encodedBody { hash.update(data: body.bytes) }
            hash.update(data: Data([0]))
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Sends one check with the session's cookies, retrying as it says; keeps what the response
    /// sets and captures. A reference that cannot be filled in (a value an earlier failing check
    /// should have captured) fails this check, not the suite.
    private func run(
        _ check: HTTPCheck, baseURL: RenderedText?, session: inout CheckSession, in context: inout StepContext
    ) async throws -> HTTPCheckResult {
        var attempt = 0
        while true {
            attempt += 1
            context.scope.captured = session.captured
            var result: HTTPCheckResult
            do {
                var request = try check.request(baseURL: baseURL, using: context)
                if let cookies = session.cookies.header(for: request.url), request.headers.value(for: "Cookie") == nil {
                    request.headers.append(HTTPHeader("Cookie", cookies))
                }
                let response = try await context.http.send(request)
                let missing = session.take(response, to: request.url, for: check)
                context.masker = context.masker.adding(secrets: session.secretValues)
                result = HTTPCheckResult(response: response, problems: try check.expect.problems(with: response, using: context) + missing)
            } catch let error as HTTPClientError {
                result = HTTPCheckResult(error: "\(error)")
            } catch let error as StepError {
                result = HTTPCheckResult(error: error.message)
            }
            result.attempts = attempt
            result.problems = result.problems.map { context.masker.mask($0) }
            if result.passed || attempt > check.retries { return result }
            try await Task.sleep(for: suite.defaults.delay)
        }
    }
}
