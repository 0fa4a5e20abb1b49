/// Sends one HTTP request from the machine running rollout, for the provider APIs a deploy
/// touches: pausing a webhook endpoint while the app restarts, switching a feature flag.
///
/// ```yaml
/// - http:
///     request: POST https://api.stripe.com/v1/webhook_endpoints/{{ endpoint_id }}
///     headers: { Authorization: "Bearer {{ secrets.stripe_key }}" }
///     form: { disabled: "true" }
///     expect: { status: 200, json: { "$.status": disabled } }
///     undo:
///       request: POST https://api.stripe.com/v1/webhook_endpoints/{{ endpoint_id }}
///       headers: { Authorization: "Bearer {{ secrets.stripe_key }}" }
///       form: { disabled: "false" }
/// ```
///
/// The request takes the keys of a check (`headers`, `form`/`json`/`body`, `expect`,
/// `follow_redirects`) plus `base_url`; the step's own `timeout` (default 10s) and `retries`
/// apply to it. `undo:` is another request, sent when the run rolls back. A request other than GET, HEAD or OPTIONS counts as a change: `--check` and
/// `plan` do not send it.
public struct HTTPStep: Step {
    public static let kind = "http"
    /// A request's options, as a check has them (no captures).
    static let requestOptions: [OptionSpec] = [
        OptionSpec("request", .text, required: true, "METHOD PATH or METHOD URL, e.g. POST /v1/webhook_endpoints/we_1."),
        OptionSpec("headers", .textMap, "Request headers (an Authorization secret is masked)."),
        OptionSpec("form", .textMap, "Form fields (one of form, json, body)."),
        OptionSpec("json", .anything, "A JSON body, written as YAML."),
        OptionSpec("body", .text, "A raw body, sent as is."),
        OptionSpec("expect", .mapping(CheckSuiteLoader.expectOptions), "What the response must show. Default: status 200."),
        OptionSpec("follow_redirects", .flag, "Follow redirects. Default false."),
    ]
    public static let options: [OptionSpec] =
        [OptionSpec("base_url", .text, "Prefix of a path that is not a full URL.")]
        + requestOptions + [OptionSpec("undo", .mapping(requestOptions), "The request that puts back what this one changed, sent on rollback.")]
    public static let resultFields = RegisteredResult.commonFields + ["status"]
    static let readOnlyMethods: Set<String> = ["GET", "HEAD", "OPTIONS"]

    public var baseURL: Template?
    public var request: HTTPCheck
    /// Sent on rollback to put back what `request` changed.
    public var undoRequest: HTTPCheck?

    public init?(options: OptionReader, context: StepDecodingContext) {
        baseURL = options.template("base_url")
        let undoNode = options.node("undo")
        guard
            let request = CheckSuiteLoader.check(
                options, location: context.location, defaults: HTTPCheck.Defaults(), hasBaseURL: baseURL != nil, captures: false,
                owner: "the http step")
        else { return nil }
        self.request = request
        if let undoNode {
            let reader = OptionReader(undoNode, context: "'undo'", allowed: CheckSuiteLoader.checkKeys.filter { $0 != "capture" }, sink: options.sink)
            defer { reader.finish() }
            guard
                let undo = CheckSuiteLoader.check(
                    reader, location: undoNode.location, defaults: HTTPCheck.Defaults(), hasBaseURL: baseURL != nil, captures: false,
                    owner: "the http step")
            else { return nil }
            undoRequest = undo
        }
    }

    public var mutates: Bool { !Self.readOnlyMethods.contains(request.method) }
    public var summary: String { "http \(request.method) \(request.path.shortened)" }

    /// Every template the step uses.
    var templates: [Template] {
        (baseURL.map { [$0] } ?? []) + request.templates + (undoRequest?.templates ?? [])
    }

    /// It acts from the runner, on the provider's side.
    public var journalsItself: Bool { false }
    public var planEffect: String { mutates ? "changes the provider's side" : "read only" }

    public func undoDescription(render: (Template) -> String) -> String {
        guard let undoRequest else { return mutates ? "none (it has no 'undo:' request)" : "none needed (it changes nothing)" }
        return "\(undoRequest.method) \(render(undoRequest.path))"
    }
}

extension HTTPStep: RunnableStep {
    /// What a request with `undo:` records once it was sent: the request, for the preview.
    public struct Undo: UndoRecord {
        var request: String?

        public var preview: UndoPreview {
            UndoPreview(putsBack: "what the step's undo: request puts back (it sends it), after \(request ?? "its request")")
        }
    }

    /// The request (URL and headers masked) and its undo; sends nothing.
    public func plan(in context: StepContext) async throws -> StepPlan {
        let base = try baseURL.map { template throws(StepError) in try context.render(template) }
        var lines = ["\(request.method) \(try request.url(baseURL: base, using: context).masked) — expect \(request.expect.summary)"]
        if let undoRequest {
            lines.append(
                "undo: \(undoRequest.method) \(try undoRequest.url(baseURL: base, using: context).masked) — expect \(undoRequest.expect.summary)")
        } else if mutates {
            lines.append("undo: none (add 'undo:' with the request that puts it back)")
        }
        return StepPlan(lines, changes: mutates ? .maybe : .none)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        var outcome = try await send(request, in: context)
        if outcome.outcome != .failed, undoRequest != nil { outcome.undo = Undo(request: "\(request.method) \(request.path.source)").fields }
        return outcome
    }

    public func undo(_ record: Undo, in context: StepContext) async throws -> StepRun {
        guard let undoRequest else { return StepRun(outcome: .ok) }
        return try await send(undoRequest, in: context)
    }

    /// Sends `check` (again up to its `retries` when the answer is not the expected one) and
    /// judges the answer; every text it returns is masked.
    private func send(_ check: HTTPCheck, in context: StepContext) async throws -> StepRun {
        let base = try baseURL.map { template throws(StepError) in try context.render(template) }
        var request = try check.request(baseURL: base, using: context)
        if let timeout = context.timeout { request.timeout = timeout }
        let url = try check.url(baseURL: base, using: context).masked
        var attempt = 0
        while true {
            attempt += 1
            var line: String
            var problems: [String]
            var fields: [String: String] = [:]
            do {
                let response = try await context.http.send(request)
                problems = try check.expect.problems(with: response, using: context)
                // A provider says why it refused in the body (a wrong key, a missing field).
                if !problems.isEmpty,
                    !problems.contains(where: { $0.hasPrefix("body") || $0.hasPrefix("json") && $0.contains("expected a JSON body") })
                {
                    problems.append("the answer: '\(HTTPCheck.Expectation.excerpt(context.masker.mask(response.bodyText), limit: 200))'")
                }
                line = String(format: "%@ %@: %d, %.1f ms", check.method, url, response.status, response.timings.total.milliseconds)
                fields = ["status": String(response.status), "stdout": context.masker.mask(response.bodyText)]
            } catch let error as HTTPClientError {
                problems = ["\(error)"]
                line = "\(check.method) \(url): no response"
            }
            if problems.isEmpty || attempt > check.retries {
                line = context.masker.mask(line + (problems.isEmpty ? ", pass" : ", FAIL") + (attempt > 1 ? " after \(attempt) attempts" : ""))
                context.output?(OutputChunk(stream: .stdout, bytes: Array((line + "\n").utf8)))
                let command = CommandResult(exitStatus: problems.isEmpty ? 0 : 1, stdout: Array((line + "\n").utf8))
                guard problems.isEmpty else {
                    let failure = context.masker.mask("\(check.method) \(url): " + problems.joined(separator: "; "))
                    return StepRun(outcome: .failed, command: command, fields: fields, failure: failure)
                }
                return StepRun(outcome: mutates ? .changed : .ok, command: command, fields: fields)
            }
            try await Task.sleep(for: .seconds(1))
        }
    }
}
