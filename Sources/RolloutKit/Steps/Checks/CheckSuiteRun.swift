import Crypto
import Foundation

/// One pass over a check suite from the machine running rollout: its `login:` (or a session
/// kept from an earlier pass with the same login), then every check in order, each retried as
/// it says. The `check` step and `rollout verify` both send suites through it.
struct CheckSuiteRun {
    let suite: CheckSuite

    /// The check's name as this host sees it: an unnamed check is called after its request
    /// ("GET {{ success_path }}"), which reads better with its references filled in.
    static func displayName(of check: HTTPCheck, in context: StepContext) -> String {
        guard let template = try? Template(parsing: check.name), let rendered = try? context.render(template) else { return check.name }
        return rendered.text
    }

    /// Sends every check of the suite in order, calling `finished` with each check, its name
    /// as this host sees it and its result (every text masked, secret captures included) as
    /// soon as it is known. The suite's `login:` goes first, unless this run already signed in
    /// with the same requests and that session has not expired; its cookies and captured
    /// values serve every check. `rollout verify` shares it. Returns what the run captured.
    @discardableResult
    func send(
        in context: StepContext, finished: (_ check: HTTPCheck, _ name: String, _ result: HTTPCheckResult) -> Void
    ) async throws -> [String: CapturedValue] {
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
                finished(check, "login › " + context.masker.mask(Self.displayName(of: check, in: context)), result)
            }
            if signedIn { await context.http.sessions.keep(session, for: loginKey) }
        }
        for check in suite.checks {
            let result = try await run(check, baseURL: baseURL, session: &session, in: &context)
            finished(check, context.masker.mask(Self.displayName(of: check, in: context)), result)
        }
        return session.captured
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
                context.masker = context.masker.adding(secrets: session.secretValues + CredentialFields.values(in: response))
                result = HTTPCheckResult(response: response, problems: try check.expect.problems(with: response, using: context) + missing)
            } catch let error as HTTPClientError {
                result = HTTPCheckResult(error: "\(error)")
            } catch let error as StepError {
                result = HTTPCheckResult(error: error.message)
            }
            result.attempts = attempt
            result.problems = result.problems.map { context.masker.mask($0) }
            if result.passed || attempt > check.retries { return result }
            try await context.clock.sleep(for: suite.defaults.delay)
        }
    }
}
