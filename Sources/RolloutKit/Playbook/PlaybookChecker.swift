/// The checks that need the whole playbook and its inventory: names in `on:`, every `{{ }}`
/// reference on every host it will run on, the order of `register:`s, and risky steps.
final class PlaybookChecker {
    let loaded: LoadedPlaybook
    let environmentName: String?
    let overrides: [String: String]
    let processEnvironment: [String: String]
    let sink: DiagnosticSink
    /// References already reported: one message per place, not one per host.
    private var reported: Set<FileLocation> = []
    /// Variables some environment, group or host defines, to tell "defined elsewhere" from
    /// "defined nowhere".
    private var inventoryVariables: Set<String> = []

    init(loaded: LoadedPlaybook, environmentName: String?, overrides: [String: String], processEnvironment: [String: String], sink: DiagnosticSink) {
        self.loaded = loaded
        self.environmentName = environmentName
        self.overrides = overrides
        self.processEnvironment = processEnvironment
        self.sink = sink
        for environment in loaded.inventory?.environments ?? [] {
            let entries = environment.vars + environment.groups.values.flatMap(\.vars) + environment.hosts.flatMap(\.vars)
            inventoryVariables.formUnion(entries.map(\.key))
        }
    }

    private var playbook: Playbook { loaded.playbook }

    func check() {
        checkAgainstEarlierSteps()
        guard let inventory = loaded.inventory else { return }
        var environments = inventory.environments
        if let environmentName {
            guard let environment = inventory.environment(environmentName) else {
                sink.error(
                    "no environment '\(environmentName)' in \(inventory.file) (it has \(inventory.environments.map(\.name).joined(separator: ", ")))",
                    at: FileLocation(file: inventory.file, line: 1, column: 1),
                    suggestion: NameSuggestion.closest(to: environmentName, in: inventory.environments.map(\.name)))
                return
            }
            environments = [environment]
        }
        checkTargets(in: environments, all: inventory.environments)
        for environment in environments {
            checkReferences(in: environment)
        }
    }

    /// Every name in `on:` must be a group or host; with `-e`, it must reach a host there.
    private func checkTargets(in environments: [Inventory.Environment], all: [Inventory.Environment]) {
        let known = Set(all.flatMap { $0.groupNames.union($0.hosts.map(\.name)) })
        for step in playbook.steps + playbook.rollback + playbook.always {
            for (index, name) in step.on.enumerated() {
                let location = index < step.onLocations.count ? step.onLocations[index] : step.location
                guard known.contains(name) else {
                    sink.error(
                        "'\(name)' in 'on:' is neither a group nor a host of the inventory", at: location,
                        suggestion: NameSuggestion.closest(to: name, in: known))
                    continue
                }
                if let environmentName, environments.allSatisfy({ $0.hosts(matching: name).isEmpty }) {
                    sink.error("'\(name)' in 'on:' matches no host in environment '\(environmentName)'", at: location)
                }
            }
        }
    }

    /// Renders every template on every host it will run on, as far as is known before the run.
    private func checkReferences(in environment: Inventory.Environment) {
        let allSteps = playbook.steps + playbook.rollback + playbook.always

        // Playbook-level templates, on every host.
        for host in environment.hosts {
            let scope = scopeFor(host: host, in: environment, upcoming: [:])
            let topTemplates =
                [playbook.stateDir] + playbook.vars.flatMap(\.value.templates)
                + environment.vars.flatMap(\.value.templates) + host.vars.flatMap(\.value.templates)
                + host.groups.flatMap { environment.groups[$0]?.vars.flatMap(\.value.templates) ?? [] }
            for template in topTemplates { check(template, in: scope, fallback: host.location, registrations: [:]) }
        }

        var registrations: [String: FileLocation] = [:]
        for step in allSteps.reversed() { if let register = step.register { registrations[register] = step.location } }
        var upcoming: [String: [String]] = [:]
        for step in allSteps {
            var hosts = environment.targets(of: step)
            // A wrong `on:` (reported by checkTargets) must not hide the step's other mistakes:
            // its templates are checked as if it ran on the environment's first host.
            if hosts.isEmpty, !step.on.isEmpty, let first = environment.hosts.first { hosts = [first] }
            for host in hosts {
                let scope = scopeFor(host: host, in: environment, upcoming: upcoming)
                let numbered = Set(step.step.templatesNumberedPerSend)
                for template in step.templates {
                    if !numbered.contains(template) { checkCallbackNumbering(template, in: scope) }
                    check(template, in: scope, fallback: step.location, registrations: registrations)
                }
            }
            if let register = step.register { upcoming[register] = step.step.registeredFields }
        }
    }

    private func scopeFor(host: Host, in environment: Inventory.Environment, upcoming: [String: [String]]) -> Scope {
        playbook.scope(for: host, in: environment, overrides: overrides, processEnvironment: processEnvironment, upcoming: upcoming)
    }

    /// `registrations` maps each registered name to the first step registering it; a name not yet
    /// registered at this step but registered further down is an ordering mistake.
    private func check(_ template: Template, in scope: Scope, fallback: FileLocation, registrations: [String: FileLocation]) {
        for reference in template.references {
            do {
                _ = try scope.value(of: reference)
            } catch {
                guard error.kind != .notYetKnown else { continue }
                let location = error.location ?? reference.location ?? fallback
                guard reported.insert(location).inserted else { continue }
                let name = reference.path[0]
                if error.kind == .undefined, let registered = registrations[name], scope.upcomingRegistrations[name] == nil, scope.vars[name] == nil {
                    if registered == fallback {
                        sink.error("'\(name)' is this step's own result; it exists only for the steps after it", at: location)
                    } else {
                        sink.error(
                            "'\(name)' is registered by a later step (line \(registered.line)); a step can only read results of steps before it",
                            at: location)
                    }
                    continue
                }
                let severity: Diagnostic.Severity = reference.path[0] == "env" ? sink.machineDependentSeverity : .error
                var message = error.message
                if error.kind == .undefined, let host = scope.host, let environment = environmentOf(host),
                    inventoryVariables.contains(error.reference.split(separator: ".").first.map(String.init) ?? "")
                {
                    message += " for host '\(host.name)' in environment '\(environment)' (other hosts define it)"
                }
                sink.diagnostics.append(Diagnostic(severity, message, at: location, suggestion: error.suggestion))
            }
        }
    }

    /// `{{ i }}` and `{{ uuid }}` have values only in a callback step's `fields` (unless a
    /// variable has that name): anywhere else they would fail in the middle of the run.
    private func checkCallbackNumbering(_ template: Template, in scope: Scope) {
        for reference in template.references where reference.path == ["i"] || reference.path == ["uuid"] {
            guard scope.vars[reference.path[0]] == nil, let location = reference.location, reported.insert(location).inserted else { continue }
            sink.error(
                "'\(reference)' has a value only in the fields of a callback step (each callback's number or id); define a variable '\(reference)' to use it here",
                at: location)
        }
    }

    private func environmentOf(_ host: Host) -> String? {
        loaded.inventory?.environments.first { $0.hosts.contains(host) }?.name
    }

    /// Problems a step can only see with the steps before it (a migration with no backup before
    /// it cannot be undone), asked of each step's kind.
    private func checkAgainstEarlierSteps() {
        // Grown as it goes, not copied per step: a copy each made a 1,000-step playbook load in
        // quadratic time.
        var earlier: [any Step] = []
        earlier.reserveCapacity(playbook.steps.count)
        for definition in playbook.steps {
            definition.step.lint(after: earlier, reportingTo: sink, at: definition.location)
            earlier.append(definition.step)
        }
    }
}
