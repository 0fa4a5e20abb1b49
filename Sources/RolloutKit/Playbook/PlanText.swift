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
        if !playbook.rollback.isEmpty {
            lines.append("")
            lines.append("Rollback steps (after the automatic undo, when a deploy fails):")
            lines += section(playbook.rollback, numberedFrom: 1, upcoming: &upcoming)
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
            var flags = [step.kind, Self.effect(of: step.step)]
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

            // A check step's requests are listed one per line below instead.
            let options = step.step is CheckStep ? step.options.filter { $0.key != "checks" } : step.options
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
            if let check = step.step as? CheckStep {
                lines.append("   checks:")
                for httpCheck in check.suite.checks {
                    lines.append("     - \(httpCheck.name) → expect \(httpCheck.expect.status.map(String.init).joined(separator: " or "))")
                }
            }
            if let http = step.step as? HTTPStep, let request = http.undoRequest, let host = hosts.first {
                // Shown in full with the options above; here, the request line as it will go out.
                let path = text(request.path, in: scope(for: host, upcoming: upcoming, preview: true))
                lines.append("   undo: \(request.method) \(path)")
            } else {
                lines.append("   undo: \(Self.undo(of: step.step))")
            }
            if let register = step.register { upcoming[register] = type(of: step.step).resultFields }
        }
        return lines
    }

    /// What the step does to the world, for the step's heading.
    static func effect(of step: any Step) -> String {
        if let callback = step as? CallbackStep {
            // A forged or stale notification is refused, so it books nothing; any other one is
            // a payment the app records.
            let books = !["tampered", "stale"].contains(callback.scenario)
            let what = callback.sends > 1 ? "sends \(callback.sends) payment notifications" : "sends a payment notification"
            return books ? "\(what): books a test payment in the app" : "\(what) that must be refused: books nothing"
        }
        if let http = step as? HTTPStep { return http.mutates ? "changes the provider's side" : "read only" }
        return step.mutates ? "changes the host" : "read only"
    }

    /// How the step is undone when the run rolls back, in a few words.
    static func undo(of step: any Step) -> String {
        switch step {
        case let http as HTTPStep:
            guard let request = http.undoRequest else { return http.mutates ? "none (it has no 'undo:' request)" : "none needed (it changes nothing)" }
            return "\(request.method) \(request.path.source)"
        case let migrate as MigrateStep:
            return migrate.undo.map { "runs \($0.shortened)" } ?? "restores the database from this run's backup_database"
        case is ShellStep: return "none (a shell command cannot be undone; add rollback: steps if it must be)"
        case is UploadStep: return "puts the previous file back"
        case is SetEnvStep: return "puts the previous file back, byte for byte"
        case is GitStep: return "checks out the previous commit"
        case is BackupDatabaseStep: return "none (this backup is what later undos restore from)"
        case is RestartServiceStep: return "restarts the service again, after every other undo"
        case is RestoreDatabaseStep: return "restores the safety backup taken before it"
        case is CallbackStep: return "none (a booked payment stays booked)"
        default: return step.mutates ? "none" : "none needed (it changes nothing)"
        }
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
            return ["\(indent)\(entry.key):"] + items.enumerated().flatMap { index, item in
                render(TemplateEntry(key: "- \(index + 1)", value: item), in: scope, indent: indent + "  ")
            }
        case .map(let entries):
            return ["\(indent)\(entry.key):"] + entries.flatMap { render($0, in: scope, indent: indent + "  ") }
        }
    }

    private func text(_ template: Template, in scope: Scope) -> String {
        do {
            let rendered = try template.render(in: scope).masked
            return rendered.contains("\n") ? "|\n" + rendered.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(separator: "\n") : rendered
        } catch {
            return "<\(error.message)>"
        }
    }
}
