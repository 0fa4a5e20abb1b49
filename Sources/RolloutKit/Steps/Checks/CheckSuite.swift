/// A list of HTTP checks (an endpoint table of a runbook), from a file or inline in a `check` step.
public struct CheckSuite: Sendable {
    public var name: String
    /// Prefix of every relative request path.
    public var baseURL: Template?
    public var defaults: HTTPCheck.Defaults
    public var checks: [HTTPCheck]
    /// Requests that sign in before the checks (`login:`): a form login or a JSON login that
    /// returns a token. Their cookies and captured values serve every check of the suite, and
    /// the session is reused by later runs of an identical login in the same rollout run until
    /// it expires (a JWT's `exp`, a cookie's expiry).
    public var login: [HTTPCheck] = []
    /// The suite file's own `secrets:`, read by `rollout verify`; a playbook running the suite
    /// uses its own `secrets:` instead.
    public var secrets: [SecretDeclaration] = []
    /// Signed test callbacks the suite file lists under `callbacks:`, sent by `rollout verify`
    /// after the checks; a playbook's check step leaves them out.
    public var callbacks: [SuiteCallback] = []
    /// The suite file as messages name it (or the playbook's, when inline).
    public var file: String
    public var location: FileLocation

    /// Every template in the suite, for load-time checks of the names it uses.
    public var templates: [Template] {
        (baseURL.map { [$0] } ?? []) + (login + checks).flatMap(\.templates)
    }
}

/// One request and what its response must look like.
public struct HTTPCheck: Sendable {
    /// Settings every check of a suite inherits.
    public struct Defaults: Sendable, Hashable {
        public var timeout: Duration = .seconds(10)
        public var retries: Int = 0
        public var delay: Duration = .seconds(1)

        public init() {}
    }

    /// A request body.
    public enum Body: Sendable, Hashable {
        /// `application/x-www-form-urlencoded` fields, in order.
        case form([TemplateEntry])
        /// A JSON document.
        case json(TemplateValue)
        /// Raw text, sent as is.
        case raw(Template)
    }

    /// What a response header must be.
    public enum HeaderExpectation: Sendable, Hashable {
        /// Exactly this value.
        case equals(Template)
        /// A regular expression it must match somewhere (written `~ regex`).
        case matches(String)
    }

    /// What a value in a JSON body must be.
    public enum ValueExpectation: Sendable, Hashable {
        /// Exactly this text (a string without quotes; a number, `true`, `false`, `null` as written).
        case equals(Template)
        /// A regular expression it must match somewhere (written `~ regex`).
        case matches(String)
    }

    /// What the response must show.
    public struct Expectation: Sendable {
        /// Acceptable status codes (default 200).
        public var status: [Int] = [200]
        /// Header name → expectation.
        public var headers: [(name: String, expectation: HeaderExpectation)] = []
        /// Texts the body must contain.
        public var bodyContains: [Template] = []
        /// JSON path → what the value there must be (`json: { "$.status": active }`).
        public var json: [(path: JSONPath, expectation: ValueExpectation)] = []
        /// The whole body, exactly.
        public var body: Template?
        /// Regular expressions the body must match (`body_matches`).
        public var bodyMatches: [String] = []
        /// Slowest acceptable total time.
        public var maxTime: Duration?

        public init() {}
    }

    /// A label for reports; default the request line.
    public var name: String
    public var method: String
    /// Path (joined to the suite's base_url) or a full URL.
    public var path: Template
    public var headers: [TemplateEntry]
    public var body: Body?
    public var expect: Expectation
    /// Values taken from the response for the later checks (`{{ captured.NAME }}`).
    public var captures: [CheckCapture] = []
    public var timeout: Duration
    public var retries: Int
    /// Redirects are never followed unless asked.
    public var followRedirects: Bool
    public var location: FileLocation

    /// Every template of the check.
    public var templates: [Template] {
        var all = [path] + headers.flatMap(\.value.templates) + expect.bodyContains
        switch body {
        case .form(let fields): all += fields.flatMap(\.value.templates)
        case .json(let value): all += value.templates
        case .raw(let text): all.append(text)
        case nil: break
        }
        for header in expect.headers { if case .equals(let template) = header.expectation { all.append(template) } }
        for entry in expect.json { if case .equals(let template) = entry.expectation { all.append(template) } }
        if let body = expect.body { all.append(body) }
        return all
    }
}
