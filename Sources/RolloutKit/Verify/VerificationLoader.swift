import Foundation

/// Reads what `rollout verify` runs: the inventory's environment and each check suite, with the
/// suites' secrets read and every `{{ }}` reference checked, so that a mistake is reported with
/// its file:line:column before any request is sent.
public struct VerificationLoader: Sendable {
    public var environmentName: String
    /// `--var` overrides; they win over the environment's variables.
    public var overrides: [String: String]
    public var resolver: SecretResolver

    public init(environmentName: String, overrides: [String: String] = [:], resolver: SecretResolver = SecretResolver()) {
        self.environmentName = environmentName
        self.overrides = overrides
        self.resolver = resolver
    }

    /// What a load produced: the verification (nil when anything is wrong) and every problem.
    public struct Result: Sendable {
        public var verification: Verification?
        public var diagnostics: Diagnostics
    }

    /// Loads `inventoryPath` and the suites at `suitePaths` (as the user wrote them).
    public func load(inventoryPath: String, suitePaths: [String]) -> Result {
        let sink = DiagnosticSink(machineDependentSeverity: .error)
        let environment = loadEnvironment(inventoryPath, sink: sink)
        var loaded: [(suite: CheckSuite, scope: Scope)] = []
        var allSecrets: [String: Secret] = [:]
        for path in suitePaths {
            guard let suite = loadSuite(path, sink: sink) else { continue }
            let secrets = resolver.resolve(suite.secrets, into: &sink.diagnostics)
            allSecrets.merge(secrets) { first, _ in first }
            let scope = Scope(
                vars: VariablePrecedence.merged(playbook: [], environment: environment, host: nil, overrides: overrides),
                environment: resolver.environment, secrets: secrets, secretNames: Set(suite.secrets.map(\.name)))
            if environment != nil { checkReferences(of: suite, in: scope, sink: sink) }
            loaded.append((suite, scope))
        }
        guard !sink.diagnostics.hasErrors, let environment else { return Result(verification: nil, diagnostics: sink.diagnostics) }
        let masker = SecretMasker(secrets: SecretResolver.valuesToMask(allSecrets))
        return Result(verification: Verification(suites: loaded, environment: environment, masker: masker), diagnostics: sink.diagnostics)
    }

    private func loadEnvironment(_ path: String, sink: DiagnosticSink) -> Inventory.Environment? {
        guard let inventory = InventoryLoader.load(URL(fileURLWithPath: path), name: path, sink: sink) else { return nil }
        guard let environment = inventory.environment(environmentName) else {
            let names = inventory.environments.map(\.name)
            sink.error(
                "no environment '\(environmentName)' in \(path) (it has \(names.joined(separator: ", ")))",
                at: FileLocation(file: path, line: 1, column: 1), suggestion: NameSuggestion.closest(to: environmentName, in: names))
            return nil
        }
        return environment
    }

    private func loadSuite(_ path: String, sink: DiagnosticSink) -> CheckSuite? {
        guard let root = YAMLDocument.load(URL(fileURLWithPath: path), name: path, into: &sink.diagnostics) else { return nil }
        let kind = FileKind.detect(root)
        guard kind == .checkSuite else {
            let found = kind.map { "a \($0.rawValue)" } ?? "not a check suite (it has no 'checks:')"
            let hint =
                kind == .playbook ? "; a playbook's checks run with `rollout run` or `rollout plan`, or pass the suite file its check step names" : ""
            sink.error("\(path) is \(found); rollout verify runs check suites\(hint)", at: root.location)
            return nil
        }
        return CheckSuiteLoader.decode(root, file: path, sink: sink)
    }

    /// Every reference of the suite must have a value in this environment, now.
    private func checkReferences(of suite: CheckSuite, in scope: Scope, sink: DiagnosticSink) {
        for template in suite.templates + suite.callbacks.flatMap(\.templates) {
            do {
                _ = try template.render(in: scope)
            } catch {
                // A declared secret that could not be read is reported once, where it is declared.
                if error.kind == .notYetKnown, error.reference.hasPrefix("secrets.") { continue }
                // Captured values exist only while the suite runs; the suite's loader checked
                // that an earlier request captures each one.
                if error.kind == .notYetKnown, error.reference.hasPrefix("captured.") { continue }
                // A callback's number and id exist while its callbacks are built.
                if error.kind == .notYetKnown, ["i", "uuid"].contains(error.reference) { continue }
                sink.error(error.message, at: error.location ?? suite.location, suggestion: error.suggestion)
            }
        }
    }
}
