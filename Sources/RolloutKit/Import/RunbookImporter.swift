import Foundation

/// Turns a markdown deployment runbook into a `Draft`: its deploy commands as steps, its
/// endpoint tables and `curl` lines as checks, its `.env` blocks as one `set_env` whose secrets
/// come from the environment, its rollback plan matched against rollout's own undo, and a TODO
/// for every deploy command it cannot map. Pure text to model: no file or network access.
public struct RunbookImporter: Sendable {
    public init() {}

    /// What a section of the runbook is for, told from the headings above it.
    enum SectionRole: Equatable {
        case deploy, rollback, aside
    }

    private static let asideWords = [
        "troubleshoot", "issue", "monitor", "alert", "support", "debug", "next step", "local", "development", "test mode",
        "unit test", "test result", "e2e", "cron", "maintenance", "staging", "faq", "contact", "resource", "documentation",
        "lesson", "security note", "manual", "prerequisite",
    ]
    private static let envExcludedWords = ["staging", "test mode", "local", "development", "example", "dev "]

    static func role(_ headings: [String]) -> SectionRole {
        let lower = headings.map { $0.lowercased() }
        if lower.contains(where: { $0.contains("rollback") || $0.contains("roll back") || $0.contains("revert") }) { return .rollback }
        if lower.contains(where: { heading in asideWords.contains(where: heading.contains) }) { return .aside }
        return .deploy
    }

    /// The draft of `text`; `runbookName` is how source comments name the runbook file.
    public func draft(_ text: String, runbookName: String) -> Draft {
        var state = ImportState(document: RunbookDocument(text: text), runbookName: runbookName)
        state.read()
        return state.finish()
    }
}

/// The mutable work of one import.
private struct ImportState {
    let document: RunbookDocument
    var draft: Draft
    var appDirectory: String?
    var expectTables: [String] = []
    var tableSources: [RunbookSource] = []
    var downgrade: (command: String, cwd: String?, source: RunbookSource)?
    var envValues: [DraftEntry] = []
    var envSources: [RunbookSource] = []
    var envFile: String?
    var envAnchor: Int?
    var serviceLogs: [(unit: String, source: RunbookSource)] = []
    var origins: [String: Int] = [:]
    var checkOrigins: [String?] = []
    var rollbackRestoresDatabase: RunbookSource?
    var proseURL: String?
    var pendingFetch: RunbookSource?

    init(document: RunbookDocument, runbookName: String) {
        self.document = document
        self.draft = Draft(name: Self.slug(document.title ?? runbookName), runbookName: runbookName)
    }

    static func slug(_ title: String) -> String {
        var words: [String] = []
        for word in title.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }) where word.allSatisfy(\.isASCII) {
            if words.joined(separator: "-").count + word.count > 40 { break }
            words.append(String(word))
        }
        return words.isEmpty ? "imported" : words.joined(separator: "-")
    }

    // MARK: Reading

    mutating func read() {
        for block in document.blocks {
            let role = RunbookImporter.role(block.headings)
            let section = block.headings.last ?? "(top)"
            switch block.content {
            case .code(let code):
                readCode(code, role: role, section: section, headings: block.headings)
            case .table(let table):
                guard role != .aside, let rows = EndpointTable.checks(table) else { continue }
                for row in rows {
                    let cells = table.rows.first { $0.line == row.line }?.cells.joined(separator: " | ") ?? ""
                    addCheck(
                        Draft.Check(method: row.method, path: row.path, status: row.status, sources: [source(row.line, "| \(cells) |")]), origin: nil)
                }
            case .prose(let line):
                if proseURL == nil, line.text.lowercased().contains("url"), let url = Self.firstURL(in: line.text) { proseURL = url }
                if role == .deploy, envFile == nil, let path = Self.envPath(in: line.text) {
                    envFile = path
                    envAnchor = draft.items.count
                    envSources.append(source(line.number, line.text))
                }
            }
        }
    }

    func source(_ line: Int, _ text: String) -> RunbookSource { RunbookSource(line: line, text: text) }

    mutating func readCode(_ code: RunbookDocument.CodeBlock, role: RunbookImporter.SectionRole, section: String, headings: [String]) {
        switch code.language {
        case "sql", "postgresql", "psql":
            readSQL(code, role: role, section: section)
            return
        case "python", "py", "ruby", "javascript", "js", "typescript":
            guard
                let first = code.lines.first(where: {
                    let t = $0.text.trimmingCharacters(in: .whitespaces)
                    return !t.isEmpty && !t.hasPrefix("#")
                })
            else { return }
            let src = source(first.number, first.text)
            if role == .deploy {
                draft.items.append(
                    .todo(
                        Draft.Todo(
                            source: src,
                            reason:
                                "\(code.language) code run by hand (\(code.lines.count) lines from line \(code.fenceLine + 1)): ship it as a script with the app and run it with a shell step"
                        )))
            } else {
                aside(section, src)
            }
            return
        case "", "bash", "sh", "shell", "console", "zsh", "env", "dotenv", "ini", "properties", "text":
            break
        default:
            return
        }
        if let env = EnvBlock(code) {
            readEnv(env, headings: headings, section: section)
            return
        }
        let lenient = code.language.isEmpty || code.language == "text"
        readShell(code, role: role, section: section, lenient: lenient)
    }

    mutating func readEnv(_ env: EnvBlock, headings: [String], section: String) {
        let labels = (headings + env.comments).map { $0.lowercased() }
        let excluded = labels.contains { label in
            RunbookImporter.role([label]) == .rollback
                || ["staging", "test mode", "local", "development", "example", "sandbox"].contains(where: label.contains)
        }
        guard let first = env.entries.first else { return }
        if excluded {
            aside(section, source(first.line.number, ".env block for another environment: \(env.entries.map(\.key).joined(separator: ", "))"))
            return
        }
        for entry in env.entries {
            let value: DraftValue
            if SecretShape.isSecretName(entry.key) || SecretShape.isSecretValue(entry.value) {
                value = .text(draft.secret(fromEnvironment: entry.key))
            } else {
                value = .literal(entry.value)
                if entry.key == "BASE_URL" || entry.key == "APP_URL", proseURL == nil { proseURL = entry.value }
            }
            setEnv(entry.key, value)
        }
        envSources.append(source(first.line.number, ".env block: \(env.entries.map(\.key).joined(separator: ", "))"))
    }

    /// Sets `key` for the set_env step: a later block's value replaces an earlier one in place.
    mutating func setEnv(_ key: String, _ value: DraftValue) {
        if let index = envValues.firstIndex(where: { $0.key == key }) {
            envValues[index].value = value
        } else {
            envValues.append(DraftEntry(key, value))
        }
    }

    mutating func readSQL(_ code: RunbookDocument.CodeBlock, role: RunbookImporter.SectionRole, section: String) {
        var statement: [String] = []
        var start: Int?
        var label: String?
        for line in code.lines {
            let trimmed = line.text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("--") {
                if statement.isEmpty { label = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces) }
                continue
            }
            if start == nil { start = line.number }
            statement.append(trimmed)
            guard trimmed.hasSuffix(";") else { continue }
            emitSQL(statement.joined(separator: " "), line: start ?? line.number, label: label, role: role, section: section)
            statement = []
            start = nil
            label = nil
        }
        if !statement.isEmpty { emitSQL(statement.joined(separator: " "), line: start ?? code.fenceLine, label: label, role: role, section: section) }
    }

    mutating func emitSQL(_ query: String, line: Int, label: String?, role: RunbookImporter.SectionRole, section: String) {
        let src = source(line, query.count > 100 ? String(query.prefix(97)) + "…" : query)
        guard role == .deploy else { return aside(section, src) }
        let text = query.hasSuffix(";") ? String(query.dropLast()) : query
        var step = Draft.Step(
            kind: "sql", name: label.map { String($0.prefix(60)) },
            options: [DraftEntry("query", .literal(text)), DraftEntry("database", .text("{{ db_name }}"))], source: src)
        step.notes.append("an assertion without expect: add expect: { value: … } or { rows: … } to make it check something")
        addStep(step)
    }

    mutating func readShell(_ code: RunbookDocument.CodeBlock, role: RunbookImporter.SectionRole, section: String, lenient: Bool) {
        var context = CommandClassifier.Context(cwd: appDirectory)
        var lastCheck: Int?
        var editingEnv = false
        var restartInBlock: String?
        var pending = ""
        var pendingLine = 0
        for line in code.lines {
            var text = line.text.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("$ ") { text = String(text.dropFirst(2)) }
            if pending.isEmpty { pendingLine = line.number }
            if text.hasSuffix("\\") {
                pending += text.dropLast() + " "
                continue
            }
            text = pending + text
            pending = ""
            if text.isEmpty { continue }
            // A quoted argument over several lines (a JSON body for curl -d '{ … }').
            if !text.hasPrefix("#"), ShellTokenizer.endsInsideQuote(text), text.count(where: { $0 == "\n" }) < 40 {
                pending = text + "\n"
                continue
            }
            if text.hasPrefix("#") {
                let comment = text.dropFirst().trimmingCharacters(in: .whitespaces)
                if editingEnv, role == .deploy, comment.lowercased().hasPrefix("set "),
                    let entry = EnvBlock.entry(String(comment.dropFirst(4)), line: line)
                {
                    let value: DraftValue =
                        SecretShape.isSecretName(entry.key) || SecretShape.isSecretValue(entry.value)
                        ? .text(draft.secret(fromEnvironment: entry.key)) : .literal(entry.value)
                    setEnv(entry.key, value)
                    envSources.append(source(line.number, text))
                } else if let range = comment.range(of: "should show:", options: .caseInsensitive) {
                    let names = comment[range.upperBound...].replacingOccurrences(of: "tables", with: "").split(separator: ",").map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }.filter { !$0.isEmpty }
                    expectTables += names.filter { !expectTables.contains($0) }
                    tableSources.append(source(line.number, text))
                }
                continue
            }
            if let lastCheck, text.lowercased().hasPrefix("response"), let status = EndpointTable.statusCode(in: text) {
                draft.checks[lastCheck].status = status
                draft.checks[lastCheck].sources.append(source(line.number, text))
                continue
            }
            let (code, comment) = ShellTokenizer.droppingComment(text)
            for command in expand(code) {
                let src = source(pendingLine, command)
                let meaning = CommandClassifier(context: context, source: src).classify(command)
                if lenient, case .todo = meaning { continue }
                switch meaning {
                case .changeDirectory(let path):
                    context.cwd = resolve(path, from: context.cwd)
                    if role == .deploy, appDirectory == nil, let cwd = context.cwd, cwd.hasPrefix("/") || cwd.hasPrefix("~") { appDirectory = cwd }
                case .activateVirtualenv(let venv):
                    context.venv = venv
                case .nothing:
                    break
                case .gitFetch:
                    if role == .deploy { pendingFetch = src } else if role == .aside { aside(section, src) }
                case .envFile(let path):
                    editingEnv = true
                    guard role == .deploy else {
                        aside(section, src)
                        continue
                    }
                    envFile = envFile ?? resolve(path, from: context.cwd)
                    envAnchor = envAnchor ?? draft.items.count
                    envSources.append(src)
                case .check(var check, let origin):
                    if let status = comment.flatMap(EndpointTable.statusCode(in:)) { check.status = status }
                    guard role != .aside else {
                        aside(section, src)
                        continue
                    }
                    lastCheck = addCheck(check, origin: origin)
                    if role == .rollback {
                        draft.rollbackNotes.append(Draft.Todo(source: src, reason: "a check: the suite runs again after rollout undoes a deploy"))
                    }
                case .step(var step):
                    switch role {
                    case .aside:
                        aside(section, src)
                    case .rollback:
                        let reason =
                            switch step.kind {
                            case "restart_service": "restart_service's undo restarts the service after the other undos"
                            case "git": "the git step's undo checks out the commit that was deployed before"
                            case "migrate": "TODO: a migration in the rollback plan; if it reverses the deploy's migration, make it that step's undo:"
                            default: "TODO: rollout's undo does not do this; add it under rollback: if a failed deploy needs it"
                            }
                        draft.rollbackNotes.append(Draft.Todo(source: src, reason: reason))
                    case .deploy:
                        if step.kind == "restart_service" {
                            let manager = step.options.first?.key ?? ""
                            if let used = restartInBlock, used != manager {
                                draft.items.append(
                                    .todo(
                                        Draft.Todo(
                                            source: src,
                                            reason:
                                                "another way to restart the service than the restart_service step above: keep the one the host uses"))
                                )
                                continue
                            }
                            restartInBlock = manager
                        }
                        if step.kind == "git", step.option("dir") == .text("{{ app_dir }}"), let cwd = context.cwd { step.set("dir", .path(cwd)) }
                        if step.kind == "git", let fetch = pendingFetch {
                            step.sources.insert(fetch, at: 0)
                            pendingFetch = nil
                        }
                        addStep(step)
                    }
                case .serviceLog(let unit):
                    if role == .deploy { serviceLogs.append((unit, src)) } else if role == .aside { aside(section, src) }
                case .downgrade(let command):
                    guard role != .aside else {
                        aside(section, src)
                        continue
                    }
                    downgrade = (command, context.cwd, src)
                    if role == .rollback {
                        draft.rollbackNotes.append(Draft.Todo(source: src, reason: "the migrate step's undo: runs it when a later step fails"))
                    }
                case .databaseRestore:
                    switch role {
                    case .rollback:
                        rollbackRestoresDatabase = src
                        draft.rollbackNotes.append(
                            Draft.Todo(
                                source: src,
                                reason:
                                    "rollout restores the database from this run's backup_database dump when a later step fails (the migrate step's undo)"
                            ))
                    case .aside: aside(section, src)
                    case .deploy:
                        draft.items.append(
                            .todo(
                                Draft.Todo(
                                    source: src,
                                    reason:
                                        "restores a database by hand: rollout's undo does this when a step fails (restore_database does it on purpose)"
                                )))
                    }
                case .codeRevert:
                    switch role {
                    case .rollback:
                        draft.rollbackNotes.append(
                            Draft.Todo(source: src, reason: "the git step's undo checks out the commit that was deployed before"))
                    case .aside: aside(section, src)
                    case .deploy:
                        draft.items.append(
                            .todo(Draft.Todo(source: src, reason: "moves the code back by hand: the git step's undo does this when a step fails")))
                    }
                case .tables(let names):
                    guard role == .deploy else {
                        aside(section, src)
                        continue
                    }
                    expectTables += names.filter { !expectTables.contains($0) }
                    tableSources.append(src)
                case .todo(let reason):
                    switch role {
                    case .deploy: draft.items.append(.todo(Draft.Todo(source: src, reason: reason)))
                    case .rollback: draft.rollbackNotes.append(Draft.Todo(source: src, reason: "TODO: " + reason))
                    case .aside: aside(section, src)
                    }
                }
            }
        }
    }

    /// The commands of one line: `a && b` split, and `ssh host 'a && b'` unwrapped (the host
    /// is remembered for the inventory).
    mutating func expand(_ code: String) -> [String] {
        var result: [String] = []
        for command in ShellTokenizer.commands(code) {
            let words = ShellTokenizer.words(command)
            guard let first = words.first, first == "ssh" || first == "scp" || first == "sshpass" || first == "rsync" else {
                result.append(command)
                continue
            }
            for word in words.dropFirst() where word.contains("@") && !word.hasPrefix("-") {
                let target = word.split(separator: ":").first.map(String.init) ?? word
                let parts = target.split(separator: "@", maxSplits: 1)
                if parts.count == 2, draft.hostAddress == nil {
                    draft.hostUser = String(parts[0])
                    draft.hostAddress = String(parts[1])
                }
                break
            }
            guard first == "ssh" else {
                result.append(command)
                continue
            }
            var index = 1
            while index < words.count, words[index].hasPrefix("-") {
                index += ["-p", "-i", "-l", "-o", "-J", "-F"].contains(words[index]) ? 2 : 1
            }
            let remote = words.dropFirst(index + 1)
            if remote.isEmpty { continue }
            result += ShellTokenizer.commands(remote.count == 1 ? remote.first! : remote.joined(separator: " "))
        }
        return result
    }

    func resolve(_ path: String, from cwd: String?) -> String {
        if path.hasPrefix("/") || path.hasPrefix("~") || path.hasPrefix("$") {
            return path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        }
        let base = cwd ?? appDirectory ?? "{{ app_dir }}"
        if path == "." { return base }
        if path == ".." { return (base as NSString).deletingLastPathComponent }
        return base + "/" + (path.hasSuffix("/") ? String(path.dropLast()) : path)
    }

    mutating func aside(_ section: String, _ source: RunbookSource) {
        if let index = draft.asides.firstIndex(where: { $0.section == section }) {
            draft.asides[index].sources.append(source)
        } else {
            draft.asides.append(Draft.Aside(section: section, sources: [source]))
        }
    }

    /// Adds `step`, or only its source when the runbook already asked for the same step.
    mutating func addStep(_ step: Draft.Step) {
        for (index, item) in draft.items.enumerated() {
            guard case .step(var existing) = item, existing.kind == step.kind, existing.options == step.options else { continue }
            existing.sources += step.sources
            draft.items[index] = .step(existing)
            return
        }
        draft.items.append(.step(step))
    }

    /// Adds `check`, or merges it into the same request seen before; returns its index.
    @discardableResult
    mutating func addCheck(_ check: Draft.Check, origin: String?) -> Int {
        if let origin { origins[origin, default: 0] += 1 }
        if let index = draft.checks.indices.first(where: {
            draft.checks[$0].method == check.method && draft.checks[$0].path == check.path
                && draft.checks[$0].headers.isEmpty == check.headers.isEmpty
                && (checkOrigins[$0] == origin || checkOrigins[$0] == nil || origin == nil)
        }) {
            draft.checks[index].sources += check.sources
            if draft.checks[index].form.isEmpty, draft.checks[index].body == nil { draft.checks[index].body = check.body }
            if draft.checks[index].headers.isEmpty { draft.checks[index].headers = check.headers }
            if checkOrigins[index] == nil { checkOrigins[index] = origin }
            return index
        }
        draft.checks.append(check)
        checkOrigins.append(origin)
        return draft.checks.count - 1
    }

    /// A `.env` file path written in backticks in a line of prose (`/srv/app/.env`).
    static func envPath(in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: #"`([~/][^`\s]*\.env)`"#),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }

    static func firstURL(in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: #"https?://[A-Za-z0-9.\-:]+"#),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range, in: text)
        else { return nil }
        return String(text[range])
    }

    // MARK: Finishing

    mutating func finish() -> Draft {
        if let fetch = pendingFetch {
            draft.items.append(.todo(Draft.Todo(source: fetch, reason: "a git fetch without a checkout after it: the git step fetches by itself")))
        }
        finishEnv()
        finishMigration()
        finishServiceLogs()
        finishChecks()
        finishVars()
        return draft
    }

    mutating func finishEnv() {
        guard !envValues.isEmpty || envFile != nil else { return }
        var step = Draft.Step(
            kind: "set_env", name: "Write the .env",
            options: [
                DraftEntry("file", .path(envFile ?? "\(appDirectory ?? "{{ app_dir }}")/.env"))
            ], source: envSources.first ?? source(0, ".env"))
        step.sources = envSources
        if envValues.isEmpty {
            step.notes.append("TODO: the runbook edits the file by hand without saying which keys: list them under values:")
            step.set("values", .map([DraftEntry("TODO_KEY", .text("value"))]))
        } else {
            step.set("values", .map(envValues))
        }
        if draft.secrets.contains(where: { envValues.map(\.value).contains(.text("{{ secrets.\($0.name) }}")) }) {
            step.notes.append(
                "secret values are read from the environment of the machine running rollout (see secrets:), never copied from the runbook")
        }
        let anchor =
            envAnchor ?? draft.items.firstIndex { if case .step(let s) = $0 { s.kind == "restart_service" } else { false } } ?? draft.items.count
        draft.items.insert(.step(step), at: anchor)
    }

    mutating func finishMigration() {
        guard let index = draft.items.firstIndex(where: { if case .step(let s) = $0 { s.kind == "migrate" } else { false } }),
            case .step(var step) = draft.items[index]
        else {
            if let downgrade {
                draft.rollbackNotes.append(Draft.Todo(source: downgrade.source, reason: "TODO: a downgrade, but no migration this draft runs"))
            }
            return
        }
        let backupBefore = draft.items[..<index].contains { if case .step(let s) = $0 { s.kind == "backup_database" } else { false } }
        if !expectTables.isEmpty {
            if backupBefore {
                step.set("expect_tables", .list(expectTables.map(DraftValue.literal)))
                step.sources += tableSources
            } else {
                step.notes.append(
                    "TODO: the runbook checks the tables \(expectTables.joined(separator: ", ")); give the step its database (database:, user:) to add expect_tables"
                )
            }
        }
        if let downgrade {
            step.set("undo", .literal(downgrade.command))
            if step.option("cwd") == nil, let cwd = downgrade.cwd { step.set("cwd", .path(cwd)) }
            step.sources.append(downgrade.source)
            step.notes.append("undo: the runbook's own downgrade (line \(downgrade.source.line))")
        } else if backupBefore {
            step.notes.append(
                "undo: rollout restores the database from the backup above when a later step fails"
                    + (rollbackRestoresDatabase.map { ", as the runbook's rollback plan does (line \($0.line))" } ?? ""))
        } else {
            step.notes.append(
                "TODO: no downgrade in the runbook and no backup before it: lint warns, and a failed deploy after this step ends with exit 3")
        }
        draft.items[index] = .step(step)
    }

    mutating func finishServiceLogs() {
        for log in serviceLogs {
            let target = draft.items.firstIndex { item in
                guard case .step(let s) = item, s.kind == "restart_service" else { return false }
                return log.unit.isEmpty
                    || s.options.contains {
                        $0.value == .literal(log.unit) || $0.value == .literal(log.unit.replacingOccurrences(of: ".service", with: ""))
                    }
            }
            guard let target, case .step(var step) = draft.items[target] else {
                draft.items.append(.todo(Draft.Todo(source: log.source, reason: "looks at a service no step restarts")))
                continue
            }
            step.sources.append(log.source)
            if !step.notes.contains(where: { $0.hasPrefix("the service's status") }) {
                step.notes.append(
                    "the service's status and logs (the runbook's systemctl status/journalctl): restart_service waits until it is healthy and shows its last log lines when it is not"
                )
            }
            draft.items[target] = .step(step)
        }
    }

    mutating func finishChecks() {
        let base =
            origins.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
            ?? proseURL.flatMap { CommandClassifier.splitURL($0)?.origin }
        draft.baseURL = base
        for index in draft.checks.indices {
            if let origin = checkOrigins[index], origin != base { draft.checks[index].path = origin + draft.checks[index].path }
            draft.checks[index].headers = draft.checks[index].headers.map { header in
                guard case .text(let value) = header.value,
                    SecretShape.isSecretName(header.key) || header.key.lowercased() == "authorization" || SecretShape.isSecretValue(value)
                else { return header }
                let scheme = ["Bearer ", "Basic ", "Token "].first { value.hasPrefix($0) } ?? ""
                let credential = String(value.dropFirst(scheme.count))
                let placeholder = credential.trimmingCharacters(in: CharacterSet(charactersIn: "<>${}"))
                let variable =
                    credential.hasPrefix("$")
                    ? placeholder
                    : SecretShape.isPlaceholder(credential)
                        ? placeholder.replacingOccurrences(of: "your-", with: "").replacingOccurrences(of: "your_", with: "") : "api_token"
                return DraftEntry(header.key, .text(scheme + draft.secret(fromEnvironment: variable)))
            }
            if let body = draft.checks[index].body, !body.hasPrefix("{"), !body.hasPrefix("["), body.contains("=") {
                draft.checks[index].form = body.split(separator: "&").compactMap { pair in
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { return nil }
                    if SecretShape.isSecretName(parts[0]) || SecretShape.isSecretValue(parts[1]) {
                        return DraftEntry(parts[0], .text(draft.secret(fromEnvironment: parts[0])))
                    }
                    return DraftEntry(parts[0], .literal(parts[1]))
                }
                draft.checks[index].body = nil
            } else if let body = draft.checks[index].body, !draft.checks[index].headers.contains(where: { $0.key.lowercased() == "content-type" }) {
                draft.checks[index].headers.append(
                    DraftEntry("Content-Type", .text(body.hasPrefix("{") || body.hasPrefix("[") ? "application/json" : "text/plain")))
            }
        }
        guard !draft.checks.isEmpty else { return }
        var step = Draft.Step(
            kind: "check", name: "Check the endpoints", options: [DraftEntry("suite", .text("checks.yml"))], source: draft.checks[0].sources[0])
        step.sources = draft.checks.map { $0.sources[0] }
        step.common = [DraftEntry("run_once", .bool(true))]
        draft.items.append(.step(step))
    }

    mutating func finishVars() {
        let written = DraftWriter.playbookText(draft)
        if written.contains("{{ app_dir }}") {
            draft.vars.append(DraftEntry("app_dir", .literal(appDirectory ?? "/srv/\(draft.name)")))
            if appDirectory == nil { draft.varNotes["app_dir"] = "TODO: where the app lives on the host; the runbook only uses relative paths" }
        }
        if written.contains("{{ db_name }}") {
            let backup = draft.steps("backup_database").first?.option("database")
            draft.vars.append(DraftEntry("db_name", backup ?? .text("app")))
            if backup == nil { draft.varNotes["db_name"] = "TODO: the database the runbook's queries run in; it does not name it" }
        }
    }
}
