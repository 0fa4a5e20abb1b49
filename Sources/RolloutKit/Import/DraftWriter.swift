import Foundation

/// Writes a `Draft` as the three files `rollout import` produces: the playbook, its inventory
/// and the check suite, with the runbook line of every step as a comment above it.
public enum DraftWriter {
    /// The files of `draft`, by name (`deploy.yml`, `inventory.yml`, and `checks.yml` when
    /// the runbook has checks), in the order to write them.
    public static func files(_ draft: Draft) -> [(name: String, text: String)] {
        var files = [("deploy.yml", playbookText(draft)), ("inventory.yml", inventoryText(draft))]
        if !draft.checks.isEmpty { files.append(("checks.yml", checkSuiteText(draft))) }
        return files
    }

    static func header(_ draft: Draft, _ what: FileSchema) -> String {
        """
        \(what.modeline)
        # Drafted by `rollout import` from \(draft.runbookName). A draft: read every step against the
        # runbook before the first run. Each step names the runbook line it came from; TODO marks
        # what still needs a human.

        """
    }

    public static func playbookText(_ draft: Draft) -> String {
        var out = header(draft, .playbook)
        out += "#   rollout lint deploy.yml\n#   rollout plan deploy.yml -e production --offline\n"
        out += "name: \(scalar(draft.name))\ninventory: inventory.yml\n"
        if !draft.vars.isEmpty {
            out += "\nvars:\n"
            for entry in draft.vars {
                if let note = draft.varNotes[entry.key] { out += "  # \(note)\n" }
                out += "  \(key(entry.key)): \(inline(entry.value))\n"
            }
        }
        if !draft.secrets.isEmpty {
            out +=
                "\nsecrets:\n  # Read from the environment of the machine running rollout when a run starts; never\n  # written to any output, report or record. The runbook's values were not copied.\n"
            for secret in draft.secrets { out += "  \(key(secret.name)): { env: \(secret.environmentVariable) }\n" }
        }
        out += "\nsteps:\n"
        for item in draft.items {
            switch item {
            case .step(let step):
                out += "\n" + stepText(step, runbook: draft.runbookName)
            case .todo(let todo):
                out += "\n  # TODO (\(draft.runbookName):\(todo.source.line)): \(todo.reason)\n  #   \(todo.source.quote)\n"
            }
        }
        if !draft.rollbackNotes.isEmpty {
            out += "\n# The runbook's rollback plan, and what rollout does for each of its lines when a step fails:\n"
            for note in draft.rollbackNotes { out += "#   \(draft.runbookName):\(note.source.line): \(note.source.quote)\n#     → \(note.reason)\n" }
        }
        if !draft.asides.isEmpty {
            out += "\n# Not imported: commands of sections that are not the deploy itself.\n"
            for aside in draft.asides {
                out += "#   \(oneLine(aside.section)):\n"
                for source in aside.sources { out += "#     \(draft.runbookName):\(source.line): \(source.quote)\n" }
            }
        }
        return out
    }

    static func stepText(_ step: Draft.Step, runbook: String) -> String {
        var out = ""
        let lines = step.sources.map(\.line)
        for source in step.sources.prefix(6) { out += "  # \(runbook):\(source.line): \(source.quote)\n" }
        if step.sources.count > 6 { out += "  # … and lines \(lines.dropFirst(6).map(String.init).joined(separator: ", "))\n" }
        for note in step.notes { out += "  # \(note)\n" }
        var first = true
        func line(_ text: String) {
            out += (first ? "  - " : "    ") + text + "\n"
            first = false
        }
        if let name = step.name { line("name: \(scalar(name))") }
        for entry in step.common { line("\(key(entry.key)): \(inline(entry.value))") }
        line("\(step.kind):")
        for entry in step.options { out += block(entry, indent: 6) }
        return out
    }

    public static func inventoryText(_ draft: Draft) -> String {
        var out = header(draft, .inventory)
        out += "environments:\n  production:\n"
        if draft.baseURL == nil { out += "    # TODO: the app's public URL; the runbook does not give one\n" }
        out += "    vars: { base_url: \(scalar(draft.baseURL ?? "https://app.example.com")) }\n    hosts:\n"
        if draft.hostAddress == nil { out += "      # TODO: the host's address and login; the runbook does not name one\n" }
        out +=
            "      app1: { address: \(scalar(draft.hostAddress ?? "203.0.113.10")), user: \(scalar(draft.hostUser ?? "deploy")), groups: [app, db] }\n"
        out += "\nssh:\n  identity: ~/.ssh/id_ed25519\n  known_hosts: ~/.ssh/known_hosts\n  host_key_checking: strict\n"
        return out
    }

    public static func checkSuiteText(_ draft: Draft) -> String {
        var out = header(draft, .checks)
        out += "name: \(scalar(draft.name + " endpoints"))\nbase_url: \"{{ base_url }}\"\ndefaults: { timeout: 10s, retries: 2 }\n"
        let used = draft.secrets.filter { secret in
            draft.checks.contains { check in (check.headers + check.form).contains { $0.value.text?.contains("secrets.\(secret.name) ") == true } }
        }
        if !used.isEmpty {
            out += "secrets:\n"
            for secret in used { out += "  \(key(secret.name)): { env: \(secret.environmentVariable) }\n" }
        }
        out += "checks:\n"
        for check in draft.checks {
            for source in check.sources { out += "  # \(draft.runbookName):\(source.line): \(source.quote)\n" }
            out += "  - request: \(scalar("\(check.method) \(check.path.replacingOccurrences(of: "{{", with: "\\{{"))"))\n"
            if !check.headers.isEmpty { out += "    headers: \(inline(.map(check.headers)))\n" }
            if !check.form.isEmpty { out += "    form: \(inline(.map(check.form)))\n" }
            if let body = check.body { out += "    body: \(scalar(body.replacingOccurrences(of: "{{", with: "\\{{")))\n" }
            out += "    expect: { status: \(check.status) }\n"
        }
        return out
    }

    // MARK: YAML

    static func block(_ entry: DraftEntry, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch entry.value {
        case .map(let entries) where !entries.isEmpty:
            return pad + key(entry.key) + ":\n" + entries.map { block($0, indent: indent + 2) }.joined()
        case .text(let text) where text.contains("\n"):
            return pad + key(entry.key) + ": |\n"
                + text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + "  " + $0 }.joined(separator: "\n") + "\n"
        default:
            return pad + key(entry.key) + ": " + inline(entry.value) + "\n"
        }
    }

    static func inline(_ value: DraftValue) -> String {
        switch value {
        case .text(let text): return scalar(text)
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .list(let items): return "[" + items.map(inline).joined(separator: ", ") + "]"
        case .map(let entries): return "{ " + entries.map { "\(key($0.key)): \(inline($0.value))" }.joined(separator: ", ") + " }"
        }
    }

    static func key(_ text: String) -> String {
        text.range(of: #"^[A-Za-z_][A-Za-z0-9_.-]*$"#, options: .regularExpression) != nil ? text : quoted(text)
    }

    private static let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]

    /// `text` as a YAML scalar: plain when that reads back as the same string, else double-quoted.
    static func scalar(_ text: String) -> String {
        let plain =
            text.range(of: #"^[A-Za-z/_.~][A-Za-z0-9_ ./~@,()+=-]*$"#, options: .regularExpression) != nil
            && !text.hasSuffix(" ") && !reserved.contains(text.lowercased()) && Double(text) == nil
        return plain ? text : quoted(text)
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for char in text.unicodeScalars {
            switch char {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where char.value < 0x20: out += String(format: "\\x%02x", char.value)
            default: out.unicodeScalars.append(char)
            }
        }
        return out + "\""
    }

    static func oneLine(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: " ") }
}
