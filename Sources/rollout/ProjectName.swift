import Foundation

/// The name `rollout init` gives a new project: the playbook's `name:`, which also names its
/// state directory on the hosts (`~/.rollout/NAME`), its database and service in the template,
/// and, upper-cased, its environment variables.
enum ProjectName {
    /// Why `name` cannot name a project, or nil when it can: it must be usable unquoted as a
    /// path component, a PostgreSQL database and user, a systemd unit and (upper-cased) an
    /// environment variable prefix.
    static func problem(with name: String) -> String? {
        guard let first = name.first, first.isASCII, first.isLetter else {
            return "'\(name)' must start with a letter"
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return "'\(name)' may contain only letters, digits, '-' and '_'"
        }
        guard name.count <= 63 else { return "'\(name)' is longer than 63 characters (PostgreSQL's limit for a name)" }
        return nil
    }

    /// Directory names that say what the directory is for, not which project it is: `rollout init
    /// basic ./deploy` in `~/src/billing` names the project `billing`, not `deploy`.
    static let genericDirectoryNames: Set<String> = [
        "deploy", "deploys", "deployment", "deployments", "ops", "rollout", "playbooks", "infra", "ci", ".rollout",
    ]

    /// The name a project in `directory` gets without `--name`: the directory's own name, or
    /// its parent's when the directory's name is generic (`billing/deploy` → `billing`).
    static func defaultName(for directory: URL) -> String {
        let own = directory.lastPathComponent
        guard genericDirectoryNames.contains(own.lowercased()) else { return own }
        let parent = directory.deletingLastPathComponent().lastPathComponent
        return parent.isEmpty || parent == "/" ? own : parent
    }

    /// `billing-api` → `billing_api`: a PostgreSQL database and role name that needs no quoting.
    static func databaseForm(of name: String) -> String {
        name.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// `my-app` → `MY_APP`, as the prefix of the project's environment variables.
    static func environmentForm(of name: String) -> String {
        String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}
