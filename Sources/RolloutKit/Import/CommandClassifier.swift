import Foundation

/// Decides what one shell command of a runbook means for a playbook: a step, a check, context
/// for the commands after it (`cd`, `source venv/bin/activate`), something another step already
/// covers (`systemctl status`), part of an undo (`alembic downgrade -1`), or a TODO with why.
struct CommandClassifier {
    /// What the commands before this one in the same code block set up.
    struct Context {
        var cwd: String?
        var venv: String?
    }

    enum Meaning {
        case changeDirectory(String)
        case activateVirtualenv(String)
        /// Shapes nothing and needs nothing (`exit`, `clear`).
        case nothing
        case step(Draft.Step)
        case check(Draft.Check, origin: String?)
        /// `git fetch`: the next git step fetches itself.
        case gitFetch
        /// An editor opened this `.env` file: the `set_env` step goes here.
        case envFile(String)
        /// Looks at a service (`systemctl status`, `journalctl -u`): `restart_service` shows
        /// the service state and its last log lines itself.
        case serviceLog(String)
        case downgrade(String)
        case databaseRestore
        case codeRevert
        /// `psql -c '\d NAME'` or `\dt`: the tables a migration must leave behind.
        case tables([String])
        case todo(String)
    }

    let context: Context
    let source: RunbookSource

    private static let migrationPatterns = [
        "db upgrade", "alembic upgrade", "manage.py migrate", "db:migrate", "prisma migrate deploy", "migrate:latest", "migrate up",
    ]
    private static let downgradePatterns = ["db downgrade", "alembic downgrade", "migrate:rollback", "db:rollback", "migrate down"]
    private static let venvTools: Set<String> = ["pip", "pip3", "python", "python3", "flask", "alembic", "gunicorn", "celery", "uvicorn"]
    private static let shellTools: Set<String> = [
        "pip", "pip3", "python", "python3", "npm", "yarn", "pnpm", "make", "composer", "bundle", "mkdir", "cp", "mv", "ln",
        "chmod", "chown", "apt", "apt-get", "flask", "alembic", "go", "cargo", "mvn", "gradle", "bash", "sh", "touch", "tar", "unzip",
    ]

    func classify(_ text: String) -> Meaning {
        var words = ShellTokenizer.words(text)
        var sudo = false
        while let first = words.first, first == "sudo" || first.contains("=") && !first.hasPrefix("-") && !first.hasPrefix("=") {
            words.removeFirst()
            if first == "sudo" {
                sudo = true
                while let flag = words.first, flag.hasPrefix("-") {
                    words.removeFirst()
                    if ["-u", "-g", "--user", "--group"].contains(flag), !words.isEmpty { words.removeFirst() }
                }
            }
        }
        guard let command = words.first.map({ ($0 as NSString).lastPathComponent }) else { return .nothing }
        let args = Array(words.dropFirst())
        let lower = text.lowercased()
        if Self.downgradePatterns.contains(where: lower.contains) || Self.isDjangoBackOut(words) { return .downgrade(venvPrefixed(text)) }
        if Self.migrationPatterns.contains(where: lower.contains) { return migrate(text) }
        switch command {
        case "cd":
            return .changeDirectory(args.first ?? "~")
        case "source", ".":
            guard let script = args.first, script.hasSuffix("bin/activate") else {
                return .todo("sources a script; put what it sets in a step's env:")
            }
            return .activateVirtualenv(String(script.dropLast("/bin/activate".count)))
        case "exit", "clear", "logout":
            return .nothing
        case "pg_dump":
            return backup(args)
        case "pg_restore":
            return .databaseRestore
        case "psql":
            return psql(args)
        case "git":
            return git(args)
        case "systemctl", "service":
            return systemd(command == "service" ? Array(args.reversed()) : args, sudo: sudo)
        case "journalctl":
            return .serviceLog(value(after: ["-u", "--unit"], in: args) ?? "")
        case "pm2":
            return pm2(args)
        case "docker-compose":
            return compose(args, prefix: "docker-compose", sudo: sudo)
        case "docker" where args.first == "compose":
            return compose(Array(args.dropFirst()), prefix: "docker compose", sudo: sudo)
        case "supervisorctl":
            guard let action = args.first, ["restart", "start"].contains(action), let program = args.dropFirst().first else {
                return args.first == "status" ? .serviceLog(args.dropFirst().first ?? "") : .todo("a supervisorctl command rollout has no step for")
            }
            return restart(["supervisor": .text(program)], sudo: sudo, name: "Restart \(program)")
        case "nginx":
            if args.contains("-t") { return shell(text, readOnly: true) }
            if args.contains("-s") { return restart(["command": .literal(text)], sudo: false, name: "Reload nginx") }
            return .todo("an nginx command rollout has no step for")
        case "curl":
            return curl(args)
        case "nano", "vim", "vi", "emacs", "edit", "code":
            if let path = args.last, path.hasSuffix(".env") || path.contains(".env.") { return .envFile(path) }
            return .todo("edits a file by hand: write the file with upload, or its KEY=VALUE lines with set_env")
        case "ssh", "sshpass", "scp", "rsync":
            return .todo("copies files from the machine the runbook was run on: commit them and deploy with git, or upload single files")
        case "export":
            return .todo("sets a variable for the commands after it: give it to those steps as env:, or to the app with set_env")
        case "echo", "cat", "ls", "tail", "less", "grep", "watch", "htop", "top", "df", "free", "redis-cli":
            return .todo("looks at the host by hand: turn what it checks into a sql, check or wait_for step if it matters")
        case "uvicorn",
            "gunicorn" where !args.contains("--daemon"):
            return .todo("starts the app in the foreground: restart_service runs the app as a service instead")
        case "stripe":
            return .todo("the Stripe CLI runs on a workstation: rollout's callback step sends signed Stripe events itself")
        case "crontab":
            return .todo("installs a cron job by hand: upload the crontab file, or a systemd timer, instead")
        case "brew", "scoop", "vercel", "netlify", "npx", "pytest":
            return .todo("runs on a developer's machine or a hosting service, not on the deploy host")
        default:
            if Self.shellTools.contains(command) || command.hasPrefix("./") || command.hasSuffix(".sh") {
                if command == "flask", args.first == "run" {
                    return .todo("starts the app in the foreground: restart_service runs the app as a service instead")
                }
                return shell(text, readOnly: false)
            }
            return .todo("rollout has no step for '\(command)'")
        }
    }

    /// `manage.py migrate APP 0041` (or `zero`): Django's way back to an earlier migration.
    static func isDjangoBackOut(_ words: [String]) -> Bool {
        guard let index = words.firstIndex(where: { $0.hasSuffix("manage.py") }), words.count > index + 3,
            words[index + 1] == "migrate"
        else { return false }
        let target = words[index + 3]
        return target == "zero" || Int(target) != nil
    }

    // MARK: Kinds

    private func backup(_ args: [String]) -> Meaning {
        let connection = connectionOptions(args, databaseFlags: ["-d", "--dbname"])
        guard connection.contains(where: { $0.key == "database" }) else {
            return .todo("pg_dump without a database name: say which database backup_database dumps")
        }
        var step = Draft.Step(kind: "backup_database", name: "Back up the database", options: connection, source: source)
        step.common = [DraftEntry("run_once", .bool(true))]
        return .step(step)
    }

    private func psql(_ args: [String]) -> Meaning {
        if args.contains("<") { return .databaseRestore }
        guard let query = value(after: ["-c", "--command"], in: args) else {
            return .todo("psql without -c: put the query in a sql step (the query is read from stdin)")
        }
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        if trimmed == "\\dt" { return .tables([]) }
        if trimmed.hasPrefix("\\d ") { return .tables([String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces)]) }
        if trimmed.hasPrefix("\\") { return .todo("a psql meta-command: sql steps run SQL") }
        let connection = connectionOptions(args, databaseFlags: ["-d", "--dbname"])
        guard connection.contains(where: { $0.key == "database" }) else {
            return .todo("psql without -d: say which database the sql step queries")
        }
        return .step(Draft.Step(kind: "sql", options: [DraftEntry("query", .literal(trimmed))] + connection, source: source))
    }

    private func migrate(_ text: String) -> Meaning {
        var options = [DraftEntry("run", .literal(venvPrefixed(text)))]
        if let cwd = context.cwd { options.append(DraftEntry("cwd", .path(cwd))) }
        var step = Draft.Step(kind: "migrate", name: "Migrate the database", options: options, source: source)
        step.common = [DraftEntry("run_once", .bool(true))]
        return .step(step)
    }

    private func git(_ args: [String]) -> Meaning {
        guard let sub = args.first else { return .nothing }
        let rest = args.dropFirst().filter { !$0.hasPrefix("-") }
        switch sub {
        case "fetch":
            return .gitFetch
        case "pull":
            let remote = rest.first ?? "origin"
            let ref = rest.dropFirst().first.map { "\(remote)/\($0)" } ?? "\(remote)/main"
            var step = gitStep(ref: ref)
            if rest.count < 2 { step.notes.append("the runbook pulls without naming a branch: origin/main is a guess") }
            return .step(step)
        case "checkout", "switch", "reset":
            guard let ref = rest.first else { return .todo("a git \(sub) without a ref") }
            if ref.hasPrefix("HEAD") { return .codeRevert }
            return .step(gitStep(ref: ref))
        case "revert":
            return .codeRevert
        case "clone":
            guard let repo = rest.first else { return .todo("a git clone without a repository") }
            var step = gitStep(ref: "origin/main", dir: rest.dropFirst().first ?? context.cwd)
            step.set("repo", .literal(repo))
            step.notes.append("the runbook clones without naming a branch: origin/main is a guess")
            return .step(step)
        default:
            return .todo("git \(sub) works on a developer's working copy, not on the deploy host")
        }
    }

    private func gitStep(ref: String, dir: String? = nil) -> Draft.Step {
        Draft.Step(
            kind: "git", name: "Update the code",
            options: [
                DraftEntry("dir", dir.map(DraftValue.path) ?? .text("{{ app_dir }}")), DraftEntry("ref", .literal(ref)),
            ], source: source)
    }

    private func systemd(_ args: [String], sudo: Bool) -> Meaning {
        guard let action = args.first else { return .nothing }
        let unit = args.dropFirst().first { !$0.hasPrefix("-") } ?? ""
        switch action {
        case "restart", "reload", "start", "try-restart", "reload-or-restart":
            guard !unit.isEmpty else { return .todo("systemctl \(action) without a unit") }
            return restart(["systemd": .literal(unit.replacingOccurrences(of: ".service", with: ""))], sudo: sudo, name: "Restart \(unit)")
        case "status", "is-active":
            return .serviceLog(unit)
        case "daemon-reload", "enable":
            return shell((sudo ? "sudo " : "") + (["systemctl"] + args).joined(separator: " "), readOnly: false)
        default:
            return .todo("systemctl \(action) has no step of its own")
        }
    }

    private func pm2(_ args: [String]) -> Meaning {
        guard let action = args.first else { return .nothing }
        let name = args.dropFirst().first { !$0.hasPrefix("-") } ?? ""
        switch action {
        case "restart", "reload", "start":
            guard !name.isEmpty else { return .todo("pm2 \(action) without a process name") }
            return restart(["pm2": .literal(name)], sudo: false, name: "Restart \(name)")
        case "logs", "status", "show", "list", "ls":
            return .serviceLog(name)
        default:
            return .todo("pm2 \(action) has no step of its own")
        }
    }

    private func compose(_ args: [String], prefix: String, sudo: Bool) -> Meaning {
        let file = value(after: ["-f", "--file"], in: args)
        var rest = args
        if let index = rest.firstIndex(where: { $0 == "-f" || $0 == "--file" }), index + 1 < rest.count { rest.removeSubrange(index...(index + 1)) }
        guard let action = rest.first else { return .nothing }
        let services = rest.dropFirst().filter { !$0.hasPrefix("-") }
        if action == "exec" || action == "run", let dump = rest.firstIndex(of: "pg_dump"), case .step(var step) = backup(Array(rest[(dump + 1)...])) {
            step.notes.append(
                "TODO: the runbook runs pg_dump inside the compose service '\(services.first ?? "")': give backup_database the host: and port: where the host reaches that database"
            )
            return .step(step)
        }
        switch action {
        case "up", "restart":
            guard let service = services.first else {
                let command = ([prefix] + args).joined(separator: " ")
                return restart(
                    [
                        "command": .literal((sudo ? "sudo " : "") + command),
                        "status_command": .literal("test -n \"$(\(prefix)\(file.map { " -f \($0)" } ?? "") ps -q --status running)\""),
                    ], sudo: false, name: "Restart the compose project")
            }
            var options: [String: DraftValue] = ["docker_compose": .literal(service)]
            if let file { options["compose_file"] = .literal(file) }
            guard case .step(var step) = restart(options, sudo: sudo, name: "Restart \(service)") else { return .nothing }
            if services.count > 1 {
                step.notes.append(
                    "TODO: the runbook also restarts \(services.dropFirst().joined(separator: ", ")): add a restart_service step for each")
            }
            return .step(step)
        case "logs", "ps", "top":
            return .serviceLog(services.first ?? "")
        case "pull", "build":
            return shell((sudo ? "sudo " : "") + ([prefix] + args).joined(separator: " "), readOnly: false)
        default:
            return .todo("\(prefix) \(action) has no step of its own")
        }
    }

    private func restart(_ manager: [String: DraftValue], sudo: Bool, name: String) -> Meaning {
        let order = ["systemd", "supervisor", "pm2", "docker_compose", "compose_file", "command", "status_command"]
        var options = order.compactMap { key in manager[key].map { DraftEntry(key, $0) } }
        if sudo { options.append(DraftEntry("sudo", .bool(true))) }
        options.append(DraftEntry("healthy_within", .text("30s")))
        return .step(Draft.Step(kind: "restart_service", name: name, options: options, source: source))
    }

    private func shell(_ text: String, readOnly: Bool) -> Meaning {
        var options = [DraftEntry("run", .literal(venvPrefixed(text)))]
        if let cwd = context.cwd { options.append(DraftEntry("cwd", .path(cwd))) }
        if readOnly { options.append(DraftEntry("read_only", .bool(true))) }
        return .step(Draft.Step(kind: "shell", options: options, source: source))
    }

    private func curl(_ args: [String]) -> Meaning {
        var method: String?
        var url: String?
        var data: String?
        var headers: [(String, String)] = []
        var index = 0
        let takesValue: Set<String> = [
            "-o", "--output", "-w", "--write-out", "-m", "--max-time", "-A", "--user-agent", "-e", "-b", "-c", "--connect-timeout", "-u", "--user",
        ]
        while index < args.count {
            let arg = args[index]
            let next = index + 1 < args.count ? args[index + 1] : nil
            switch arg {
            case "-X", "--request":
                method = next?.uppercased()
                index += 1
            case "-I", "--head": method = "HEAD"
            case "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "-F", "--form":
                data = [data, next].compactMap { $0 }.joined(separator: "&")
                index += 1
            case "-H", "--header":
                if let next, let colon = next.firstIndex(of: ":") {
                    headers.append(
                        (
                            String(next[..<colon]).trimmingCharacters(in: .whitespaces),
                            String(next[next.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                        ))
                }
                index += 1
            case _ where takesValue.contains(arg): index += 1
            case "|", ">", ">>": index = args.count
            default:
                if !arg.hasPrefix("-"), url == nil { url = arg }
            }
            index += 1
        }
        guard let url, let parts = Self.splitURL(url) else { return .todo("curl without a URL rollout can check") }
        let check = Draft.Check(
            method: method ?? (data == nil ? "GET" : "POST"), path: parts.path, status: 200,
            headers: headers.map { DraftEntry($0.0, .literal($0.1)) },
            form: [], body: data, sources: [source])
        return .check(check, origin: parts.origin)
    }

    /// `https://host:port/path?query` as its origin and its path (at least `/`).
    static func splitURL(_ url: String) -> (origin: String, path: String)? {
        var text = url
        if !text.contains("://") {
            guard text.hasPrefix("localhost") || text.hasPrefix("127.0.0.1") else { return nil }
            text = "http://" + text
        }
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let afterScheme = text[schemeEnd.upperBound...]
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let origin = String(text[..<slash])
        let path = String(text[slash...])
        return (origin, path.isEmpty ? "/" : path)
    }

    // MARK: Arguments

    private func connectionOptions(_ args: [String], databaseFlags: [String]) -> [DraftEntry] {
        var entries: [DraftEntry] = []
        var database = value(after: databaseFlags, in: args)
        if database == nil {
            let flagsWithValue: Set<String> = [
                "-U", "--username", "-h", "--host", "-p", "--port", "-f", "--file", "-F", "--format", "-c", "--command", "-d", "--dbname", "-t", "-n",
            ]
            var index = 0
            while index < args.count {
                let arg = args[index]
                if flagsWithValue.contains(arg) {
                    index += 2
                    continue
                }
                if [">", ">>", "<", "|"].contains(arg) { break }
                if !arg.hasPrefix("-") {
                    database = arg
                    break
                }
                index += 1
            }
        }
        if let database, !database.hasPrefix("$"), !database.contains("://") { entries.append(DraftEntry("database", .literal(database))) }
        if let user = value(after: ["-U", "--username"], in: args) { entries.append(DraftEntry("user", .literal(user))) }
        if let host = value(after: ["-h", "--host"], in: args) { entries.append(DraftEntry("host", .literal(host))) }
        if let port = value(after: ["-p", "--port"], in: args), let number = Int(port) { entries.append(DraftEntry("port", .int(number))) }
        return entries
    }

    /// The value of the first of `flags` in `args`, written `-d NAME`, `-dNAME` or `--dbname=NAME`.
    private func value(after flags: [String], in args: [String]) -> String? {
        for (index, arg) in args.enumerated() {
            for flag in flags {
                if arg == flag, index + 1 < args.count { return args[index + 1] }
                if flag.hasPrefix("--"), arg.hasPrefix(flag + "=") { return String(arg.dropFirst(flag.count + 1)) }
                if !flag.hasPrefix("--"), arg.hasPrefix(flag), arg.count > flag.count, !arg.hasPrefix("--") {
                    return String(arg.dropFirst(flag.count))
                }
            }
        }
        return nil
    }

    /// `text` with a leading Python tool run from the activated virtualenv.
    private func venvPrefixed(_ text: String) -> String {
        guard let venv = context.venv else { return text }
        var prefix = ""
        var rest = Substring(text)
        if rest.hasPrefix("sudo ") {
            prefix = "sudo "
            rest = rest.dropFirst(5)
        }
        guard let tool = rest.split(separator: " ").first, Self.venvTools.contains(String(tool)) else { return text }
        return prefix + venv + "/bin/" + rest
    }
}
