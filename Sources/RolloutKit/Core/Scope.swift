/// The names a template can use on one host, and their values.
///
/// Lookup order for `{{ a.b }}`: `env.*` (the deploying machine's environment), `secrets.*`,
/// `run.*`, `host.*`, `captured.*` (values a check suite took from earlier responses), then a
/// registered step result, then variables (already merged by precedence; see `VariablePrecedence`).
public struct Scope: Sendable {
    /// Variables after precedence was applied.
    public var vars: [String: TemplateValue]
    /// Environment variables of the machine running rollout (`{{ env.HOME }}`).
    public var environment: [String: String]
    /// Resolved secrets (`{{ secrets.name }}`).
    public var secrets: [String: Secret]
    /// Names of declared secrets, known even before they are resolved (for load-time checks).
    public var secretNames: Set<String>
    /// `{{ run.id }}`; nil until the run starts.
    public var runID: String?
    /// The host the step runs on (`{{ host.name }}`, `host.address`, `host.user`, `host.port`).
    public var host: Host?
    /// Results registered by steps that already ran.
    public var registered: [String: RegisteredResult]
    /// Results that earlier steps will register, with their fields: at load time these names
    /// are valid but have no value yet.
    public var upcomingRegistrations: [String: [String]]
    /// Values the running check suite captured from earlier responses (`{{ captured.token }}`);
    /// outside a suite run, every `captured.*` is only known later.
    public var captured: [String: CapturedValue] = [:]
    /// The number (from 1) and id of the callback being built, while a `callback` step with
    /// `count` renders each callback's `fields` (`{{ i }}`, `{{ uuid }}`).
    public var callback: (number: Int, uuid: String)?
    /// When true, values known only at run time render as `<name.field>` instead of failing
    /// (for `rollout plan`).
    public var preview: Bool

    public init(
        vars: [String: TemplateValue] = [:],
        environment: [String: String] = [:],
        secrets: [String: Secret] = [:],
        secretNames: Set<String> = [],
        runID: String? = nil,
        host: Host? = nil,
        registered: [String: RegisteredResult] = [:],
        upcomingRegistrations: [String: [String]] = [:],
        preview: Bool = false
    ) {
        self.vars = vars
        self.environment = environment
        self.secrets = secrets
        self.secretNames = secretNames.union(secrets.keys)
        self.runID = runID
        self.host = host
        self.registered = registered
        self.upcomingRegistrations = upcomingRegistrations
        self.preview = preview
    }

    /// Names reserved for built-in scopes; a variable cannot use them.
    public static let reservedNames: Set<String> = ["env", "secrets", "run", "host", "captured"]

    /// The rendered value of `reference`.
    public func value(of reference: Template.Reference) throws(TemplateError) -> RenderedText {
        try value(of: reference, resolving: [])
    }

    private func value(of reference: Template.Reference, resolving: [String]) throws(TemplateError) -> RenderedText {
        let path = reference.path
        let dotted = reference.description
        func fail(_ kind: TemplateError.Kind, _ message: String, suggestion: String? = nil) -> TemplateError {
            TemplateError(kind: kind, reference: dotted, location: reference.location, message: message, suggestion: suggestion)
        }
        func later() throws(TemplateError) -> RenderedText {
            if preview { return RenderedText("<\(dotted)>") }
            throw fail(.notYetKnown, "'\(dotted)' is only known while the deploy runs")
        }
        func needsField(_ fields: [String], _ what: String) throws(TemplateError) -> String {
            guard path.count == 2 else {
                let hint = fields.first.map { "; write {{ \(path[0]).\($0) }}" } ?? ""
                throw fail(.undefined, "'\(dotted)' needs one field: \(what)\(hint)")
            }
            return path[1]
        }

        switch path[0] {
        case "env":
            let name = try needsField([], "the variable's name")
            if let value = environment[name] { return RenderedText(value) }
            throw fail(
                .undefined, "environment variable '\(name)' is not set",
                suggestion: NameSuggestion.closest(to: name, in: environment.keys))
        case "secrets":
            let name = try needsField(Array(secretNames).sorted(), "the secret's name")
            if let secret = secrets[name] { return .secret(named: name, secret) }
            if secretNames.contains(name) {
                // `rollout plan --offline` reads no secret.
                if preview { return RenderedText("<secret \(name)>") }
                return try later()
            }
            throw fail(
                .undefined, "undefined secret '\(name)' (declare it under 'secrets:')",
                suggestion: NameSuggestion.closest(to: name, in: secretNames))
        case "run":
            let field = try needsField(["id"], "id")
            guard field == "id" else {
                throw fail(.undefined, "'run' has only the field 'id'", suggestion: NameSuggestion.closest(to: field, in: ["id"]))
            }
            if let runID { return RenderedText(runID) }
            return try later()
        case "host":
            let fields = ["name", "address", "user", "port"]
            let field = try needsField(fields, "name, address, user or port")
            guard fields.contains(field) else {
                throw fail(
                    .undefined, "'host' has no field '\(field)' (it has name, address, user, port)",
                    suggestion: NameSuggestion.closest(to: field, in: fields))
            }
            guard let host else { return try later() }
            switch field {
            case "name": return RenderedText(host.name)
            case "address": return RenderedText(host.address)
            case "user": return RenderedText(host.user ?? "")
            default: return RenderedText(String(host.port))
            }
        case "captured":
            let name = try needsField(Array(captured.keys).sorted(), "the capture's name")
            guard let value = captured[name] else {
                if preview { return RenderedText("<\(dotted)>") }
                throw fail(.notYetKnown, "'\(dotted)' has no value: the request that captures it has not got it (see its own result above)")
            }
            return value.secret ? .secret(named: dotted, Secret(value.value)) : RenderedText(value.value)
        default:
            break
        }

        if let result = registered[path[0]] {
            let field = try needsField(Array(result.fields.keys).sorted(), "which part of the result")
            if let value = result.fields[field] { return RenderedText(value) }
            throw fail(.undefined, "'\(path[0])' has no field '\(field)'", suggestion: NameSuggestion.closest(to: field, in: result.fields.keys))
        }
        if let fields = upcomingRegistrations[path[0]] {
            let field = try needsField(fields, "which part of the result")
            guard fields.contains(field) else {
                throw fail(
                    .undefined, "'\(path[0])' has no field '\(field)' (it has \(fields.joined(separator: ", ")))",
                    suggestion: NameSuggestion.closest(to: field, in: fields))
            }
            return try later()
        }

        guard var value = vars[path[0]] else {
            // A variable of that name wins; otherwise these number a callback step's callbacks.
            if path.count == 1, path[0] == "i" || path[0] == "uuid" {
                if let callback { return RenderedText(path[0] == "i" ? String(callback.number) : callback.uuid) }
                if preview { return RenderedText("<\(dotted)>") }
                throw fail(
                    .notYetKnown,
                    "'\(dotted)' has a value only in the fields of a callback step: each callback's number from 1 (i) or a fresh id (uuid)")
            }
            let candidates = Array(vars.keys) + Array(upcomingRegistrations.keys) + Array(registered.keys)
            throw fail(.undefined, "undefined variable '\(path[0])'", suggestion: NameSuggestion.closest(to: path[0], in: candidates))
        }
        for (index, key) in path.enumerated().dropFirst() {
            guard case .map(let entries) = value else {
                throw fail(.undefined, "'\(path[0..<index].joined(separator: "."))' is not a mapping, so it has no '\(key)'")
            }
            guard let next = entries.first(where: { $0.key == key })?.value else {
                throw fail(.undefined, "undefined variable '\(dotted)'", suggestion: NameSuggestion.closest(to: key, in: entries.map(\.key)))
            }
            value = next
        }
        switch value {
        case .text(let template):
            guard !resolving.contains(dotted) else {
                throw fail(.cycle, "variables refer to each other in a loop: \((resolving + [dotted]).joined(separator: " → "))")
            }
            var rendered = RenderedText()
            for segment in template.segments {
                switch segment {
                case .text(let text): rendered.append(text)
                case .reference(let inner):
                    do {
                        rendered.append(try self.value(of: inner, resolving: resolving + [dotted]))
                    } catch {
                        var error = error
                        if error.location == nil { error.location = reference.location }
                        throw error
                    }
                }
            }
            return rendered
        case .null:
            return RenderedText("")
        case .list, .map:
            throw fail(.notText, "'\(dotted)' is a \(value.isList ? "list" : "mapping") and cannot be put into text; name one of its values")
        }
    }
}

extension TemplateValue {
    fileprivate var isList: Bool {
        if case .list = self { return true }
        return false
    }
}
