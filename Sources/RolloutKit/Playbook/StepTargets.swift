extension Inventory.Environment {
    /// The hosts `step` runs on in this environment, in inventory order: those its `on:` names
    /// (all hosts when it names none), only the first of them for `run_once`.
    public func targets(of step: StepDefinition) -> [Host] {
        var selected: [Host]
        if step.on.isEmpty {
            selected = hosts
        } else {
            let names = Set(step.on.flatMap { self.hosts(matching: $0) }.map(\.name))
            selected = hosts.filter { names.contains($0.name) }
        }
        if step.runOnce, let first = selected.first { selected = [first] }
        return selected
    }
}
