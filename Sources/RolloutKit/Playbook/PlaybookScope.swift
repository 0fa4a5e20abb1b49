extension Playbook {
    /// The names a step's templates can use on `host`: variables merged by
    /// `VariablePrecedence`, the machine's environment, the secrets, the run id and the results
    /// registered so far. `upcoming` names results not registered yet (load-time checks);
    /// `preview` renders values known only later as `<name.field>` (plans).
    public func scope(
        for host: Host,
        in environment: Inventory.Environment,
        secrets: [String: Secret] = [:],
        overrides: [String: String] = [:],
        processEnvironment: [String: String] = [:],
        runID: String? = nil,
        registered: [String: RegisteredResult] = [:],
        upcoming: [String: [String]] = [:],
        preview: Bool = false
    ) -> Scope {
        Scope(
            vars: VariablePrecedence.merged(playbook: vars, environment: environment, host: host, overrides: overrides),
            environment: processEnvironment, secrets: secrets, secretNames: Set(self.secrets.map(\.name)),
            runID: runID, host: host, registered: registered, upcomingRegistrations: upcoming, preview: preview)
    }
}
