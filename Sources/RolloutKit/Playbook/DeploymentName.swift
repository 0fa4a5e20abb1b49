/// The rule for a playbook's `name:`. The name becomes a path on every host (the default state
/// directory `~/.rollout/NAME`) and in run records, so it must stay one harmless path component:
/// `../../etc` or `a b/../c` would put the lock and the backups somewhere else entirely.
enum DeploymentName {
    /// What `name` may contain, for messages.
    static let rule = "letters, digits, '-', '_' and '.', not starting with '.'"

    /// True when `name` is one path component made of ASCII letters, digits, `-`, `_` and `.`,
    /// not starting with `.` (no hidden directory, no `.` or `..`).
    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != "." else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
        }
    }
}
