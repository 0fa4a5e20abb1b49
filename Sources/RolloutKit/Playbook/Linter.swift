public import Foundation

/// What `rollout lint` does: tells each file's kind and checks it without connecting anywhere.
public struct Linter: Sendable {
    /// Also resolve playbooks against this environment (then unset secrets are errors).
    public var environmentName: String?
    public var resolver: SecretResolver
    /// Directory relative paths start from; nil is the current directory.
    public var baseDirectory: URL?

    public init(environmentName: String? = nil, resolver: SecretResolver = SecretResolver(), baseDirectory: URL? = nil) {
        self.environmentName = environmentName
        self.resolver = resolver
        self.baseDirectory = baseDirectory
    }

    /// Checks every file of `paths` (as the user wrote them) and returns all problems.
    public func lint(_ paths: [String]) -> Diagnostics {
        var all = Diagnostics()
        for path in paths { all.merge(lint(path)) }
        return all
    }

    /// Checks one file.
    public func lint(_ path: String) -> Diagnostics {
        let url =
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.map { $0.appendingPathComponent(path) } ?? URL(fileURLWithPath: path)
        let sink = DiagnosticSink(machineDependentSeverity: environmentName == nil ? .warning : .error)
        guard let root = YAMLDocument.load(url, name: path, into: &sink.diagnostics) else { return sink.diagnostics }
        switch FileKind.detect(root) {
        case .playbook:
            let loader = PlaybookLoader(
                environmentName: environmentName, resolveSecrets: true, lenientAboutMachine: environmentName == nil, resolver: resolver)
            return loader.load(url, name: path).diagnostics
        case .inventory:
            _ = InventoryLoader.decode(root, file: path, sink: sink)
        case .checkSuite:
            _ = CheckSuiteLoader.decode(root, file: path, sink: sink)
        case .stepList:
            let steps = root.items ?? root["steps"]?.items ?? []
            for step in steps where step["include"] == nil {
                _ = StepDecoder(sink: sink, directory: url.deletingLastPathComponent(), kinds: StepRegistry.kinds).decode(step)
            }
        case nil:
            sink.error(
                "cannot tell what this file is: a playbook has 'steps:', an inventory 'environments:', a check suite 'checks:'",
                at: root.location)
        }
        return sink.diagnostics
    }
}
