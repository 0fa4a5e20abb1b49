/// The one `Diagnostics` a load writes into, shared by every reader of that load.
public final class DiagnosticSink {
    public var diagnostics: Diagnostics
    /// Severity for problems that depend on the machine running rollout (unset secrets and
    /// environment variables): warnings when only linting, errors before a run.
    public var machineDependentSeverity: Diagnostic.Severity

    public init(_ diagnostics: Diagnostics = Diagnostics(), machineDependentSeverity: Diagnostic.Severity = .error) {
        self.diagnostics = diagnostics
        self.machineDependentSeverity = machineDependentSeverity
    }

    public func error(_ message: String, at location: FileLocation, suggestion: String? = nil) {
        diagnostics.error(message, at: location, suggestion: suggestion)
    }

    public func warning(_ message: String, at location: FileLocation, suggestion: String? = nil) {
        diagnostics.warning(message, at: location, suggestion: suggestion)
    }

    private var indexed: [String: SourceText] = [:]

    /// The indexed text of `file`, when it was read in this load.
    func fileText(_ file: String) -> SourceText? {
        if let text = indexed[file] { return text }
        guard let text = diagnostics.sources[file] else { return nil }
        let source = SourceText(text)
        indexed[file] = source
        return source
    }
}
