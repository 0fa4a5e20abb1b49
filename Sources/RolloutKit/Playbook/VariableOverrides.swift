extension LoadedPlaybook {
    /// The variables a `--var` can change: every name a `vars:` of the playbook or its
    /// inventory declares, and every name a template reads, wherever it is (steps, included
    /// files, check suites, `when:`, `state_dir`, the values of `vars:` themselves).
    public var overridableVariables: Set<String> {
        var names = Set(playbook.vars.map(\.key))
        var templates =
            (playbook.steps + playbook.rollback + playbook.always).flatMap(\.templates) + [playbook.stateDir]
            + playbook.vars.flatMap(\.value.templates)
        for environment in inventory?.environments ?? [] {
            let entries = environment.vars + environment.groups.values.flatMap(\.vars) + environment.hosts.flatMap(\.vars)
            names.formUnion(entries.map(\.key))
            templates += entries.flatMap(\.value.templates)
        }
        for reference in templates.flatMap(\.references) {
            guard let root = reference.path.first, !Scope.reservedNames.contains(root) else { continue }
            names.insert(root)
        }
        return names
    }

    /// Refuses a `--var` that would change nothing: a misspelt `--var revison=v2` would
    /// otherwise deploy the default revision without a word.
    public func checkOverrides(_ names: some Sequence<String>) throws(UnknownOverrideError) {
        let known = overridableVariables
        for name in names.sorted() where Scope.reservedNames.contains(name) || !known.contains(name) {
            throw UnknownOverrideError(
                name: name, playbook: playbook.file, isReserved: Scope.reservedNames.contains(name),
                suggestion: NameSuggestion.closest(to: name, in: known))
        }
    }
}

/// A `--var NAME=VALUE` whose NAME no template reads and no `vars:` declares, or a reserved name.
public struct UnknownOverrideError: Error, Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// The playbook file, as the user named it.
    public var playbook: String
    /// `env`, `secrets`, `host`…: names `{{ }}` gives a meaning of their own.
    public var isReserved: Bool
    public var suggestion: String?

    public init(name: String, playbook: String, isReserved: Bool, suggestion: String? = nil) {
        self.name = name
        self.playbook = playbook
        self.isReserved = isReserved
        self.suggestion = suggestion
    }

    public var description: String {
        if isReserved {
            return "--var \(name): '\(name)' is reserved (it names {{ \(name).… }}) and cannot be set with --var"
        }
        return "--var \(name): no template of \(playbook) or its inventory reads '\(name)' and no vars: declares it, so it would change nothing"
            + (suggestion.map { "; did you mean '\($0)'?" } ?? "; check the name against the playbook's vars:")
    }
}
