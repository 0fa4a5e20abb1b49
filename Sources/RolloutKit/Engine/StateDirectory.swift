/// Where a playbook keeps its lock, run journals and backups on a host.
public enum StateDirectory {
    /// The playbook's `state_dir` rendered for `host` (default `~/.rollout/<playbook name>`).
    public static func path(
        of playbook: Playbook, environment: Inventory.Environment, host: Host,
        overrides: [String: String] = [:], processEnvironment: [String: String] = [:]
    ) throws(StepError) -> String {
        let scope = playbook.scope(for: host, in: environment, overrides: overrides, processEnvironment: processEnvironment)
        let rendered: RenderedText
        do {
            rendered = try playbook.stateDir.render(in: scope)
        } catch {
            throw StepError(host: host.name, step: "state_dir", message: error.description)
        }
        guard !rendered.containsSecrets else {
            throw StepError(host: host.name, step: "state_dir", message: "state_dir must not contain a secret")
        }
        return rendered.text
    }
}
