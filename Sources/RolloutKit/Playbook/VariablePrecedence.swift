/// Which value a variable has on a host when several places define it. Later wins:
///
/// 1. playbook `vars:`
/// 2. the environment's `vars:` in the inventory
/// 3. group `vars:`, in the order the host lists its groups
/// 4. the host's own `vars:`
/// 5. `--var name=value` on the command line
public enum VariablePrecedence {
    /// The variables in effect on `host` of `environment`.
    public static func merged(
        playbook: [TemplateEntry], environment: Inventory.Environment?, host: Host?, overrides: [String: String] = [:]
    ) -> [String: TemplateValue] {
        var vars: [String: TemplateValue] = [:]
        func apply(_ entries: [TemplateEntry]) {
            for entry in entries { vars[entry.key] = entry.value }
        }
        apply(playbook)
        if let environment {
            apply(environment.vars)
            if let host {
                for group in host.groups { apply(environment.groups[group]?.vars ?? []) }
            }
        }
        if let host { apply(host.vars) }
        for (key, value) in overrides { vars[key] = .text(Template(literal: value)) }
        return vars
    }
}
