/// The text `rollout plan --offline` prints: for each step, the hosts it runs on, its options
/// rendered for them and its undo; secrets shown as `***` (or `<secret NAME>` when they were
/// not read), values known only during the run shown as `<name.field>`.
public struct PlanText: Sendable {
    public var loaded: LoadedPlaybook
    public var environment: Inventory.Environment
    public var secrets: [String: Secret]
    public var overrides: [String: String]
    public var processEnvironment: [String: String]

    public init(
        loaded: LoadedPlaybook, environment: Inventory.Environment, secrets: [String: Secret],
        overrides: [String: String] = [:], processEnvironment: [String: String] = [:]
    ) {
        self.loaded = loaded
        self.environment = environment
        self.secrets = secrets
        self.overrides = overrides
        self.processEnvironment = processEnvironment
    }

    public func render() -> String {
        let playbook = loaded.playbook
        var lines: [String] = []
        lines.append("Plan for '\(playbook.name)' (\(playbook.file)) in environment '\(environment.name)' — offline, no host was contacted")
        lines.append("Content hash: \(playbook.contentHash)")
        lines.append("Hosts:")
        for host in environment.hosts {
            let groups = host.groups.isEmpty ? "" : ", groups \(host.groups.joined(separator: ", "))"
            lines.append("  \(host.name)  \(endpoint(host)) via \(host.transport.rawValue)\(groups)")
        }
        var batching = "forks \(playbook.forks)"
        if let serial = playbook.serial { batching += ", serial \(serial), max_fail_percentage \(playbook.maxFailPercentage)" }
        lines.append("Batches: \(batching)")
        lines.append("")
        var upcoming: [String: [String]] = [:]
        lines += section(playbook.steps, numberedFrom: 1, upcoming: &upcoming)
        let beforeUndo = playbook.rollback.filter(\.beforeUndo)
        let afterUndo = playbook.rollback.filter { !$0.beforeUndo }
        if !beforeUndo.isEmpty {
            lines.append("")
            lines.append("Rollback steps run first, before the automatic undo, when a deploy fails:")
            lines += section(beforeUndo, numberedFrom: 1, upcoming: &upcoming)
        }
        if !afterUndo.isEmpty {
            lines.append("")
            lines.append("Rollback steps (after the automatic undo, when a deploy fails):")
            lines += section(afterUndo, numberedFrom: 1, upcoming: &upcoming)
        }
        if !playbook.always.isEmpty {
            lines.append("")
            lines.append("Always, at the end of every run (after success or a rollback):")
            lines += section(playbook.always, numberedFrom: 1, upcoming: &upcoming)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func endpoint(_ host: Host) -> String {
        if host.transport == .local { return "this machine" }
        return "\(host.user.map { "\($0)@" } ?? "")\(host.address):\(host.port)"
    }

    private func section(_ steps: [StepDefinition], numberedFrom start: Int, upcoming: inout [String: [String]]) -> [String] {
        var lines: [String] = []
        for (offset, step) in steps.enumerated() {
            var flags = [step.kind, step.step.planEffect]
            if step.runOnce { flags.append("run once") }
            if step.ignoreFailure { flags.append("failure ignored") }
            lines.append("\(start + offset). \(step.name)  [\(flags.joined(separator: ", "))]")
            let hosts = environment.targets(of: step)
            lines.append("   on: \(hosts.isEmpty ? "(no host)" : hosts.map(\.name).joined(separator: ", "))")
            if let when = step.when {
                var verdict = "decided during the run"
                if let host = hosts.first, let value = try? when.evaluate(in: scope(for: host, upcoming: upcoming, preview: false)) {
                    verdict = value ? "runs" : "skipped"
                }
                lines.append("   when: \(when.source)  (\(verdict))")
            }
            var extras: [String] = []
            if let timeout = step.timeout { extras.append("timeout \(DurationText.format(timeout))") }
            if step.retries > 0 { extras.append("retries \(step.retries), delay \(DurationText.format(step.delay))") }
            if let register = step.register { extras.append("register \(register)") }
            if !extras.isEmpty { lines.append("   " + extras.joined(separator: ", ")) }

            // Options the kind shows better in its own lines (below) are left out here.
            let hidden = type(of: step.step).optionsShownByPlanDetails
            let options = step.options.filter { !hidden.contains($0.key) }
            let perHost = hosts.map { host in
                (host.name, options.flatMap { render($0, in: scope(for: host, upcoming: upcoming, preview: true), indent: "   ") })
            }
            if let first = perHost.first, perHost.allSatisfy({ $0.1 == first.1 }) {
                lines += first.1
            } else {
                for (name, rendered) in perHost {
                    lines.append("   on \(name):")
                    lines += rendered.map { "  " + $0 }
                }
            }
            lines += step.step.planDetails.map { "   " + $0 }
            let planScope = hosts.first.map { scope(for: $0, upcoming: upcoming, preview: true) }
            lines.append("   undo: \(step.step.undoDescription { template in planScope.map { text(template, in: $0) } ?? template.source })")
            if let register = step.register { upcoming[register] = step.step.registeredFields }
        }
        return lines
    }

    private func scope(for host: Host, upcoming: [String: [String]], preview: Bool) -> Scope {
        loaded.playbook.scope(
            for: host, in: environment, secrets: secrets, overrides: overrides, processEnvironment: processEnvironment,
            upcoming: upcoming, preview: preview)
    }

    private func render(_ entry: TemplateEntry, in scope: Scope, indent: String) -> [String] {
        switch entry.value {
        case .text(let template):
            return ["\(indent)\(entry.key): \(text(template, in: scope))"]
        case .null:
            return ["\(indent)\(entry.key):"]
        case .list(let items):
            if items.allSatisfy({ if case .text = $0 { true } else { false } }) {
                let values = items.compactMap { if case .text(let template) = $0 { text(template, in: scope) } else { nil } }
                return ["\(indent)\(entry.key): [\(values.joined(separator: ", "))]"]
            }
            return ["\(indent)\(entry.key):"]
                + items.enumerated().flatMap { index, item in
                    render(TemplateEntry(key: "- \(index + 1)", value: item), in: scope, indent: indent + "  ")
                }
        case .map(let entries):
            return ["\(indent)\(entry.key):"] + entries.flatMap { render($0, in: scope, indent: indent + "  ") }
        }
    }

    private func text(_ template: Template, in scope: Scope) -> String {
        do {
            let rendered = try template.render(in: scope).masked
            return rendered.contains("\n")
                ? "|\n" + rendered.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(separator: "\n") : rendered
        } catch {
            return "<\(error.message)>"
        }
    }
}
