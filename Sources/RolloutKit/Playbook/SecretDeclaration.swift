/// Where a playbook says a secret comes from: `{ env: NAME }`, `{ file: PATH }` or
/// `{ command: "op read op://vault/item/field" }`.
public struct SecretDeclaration: Sendable, Hashable {
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// An environment variable of the machine running rollout.
        case environment(String)
        /// A file on that machine; `~` is expanded, one trailing newline is trimmed.
        case file(String)
        /// A command run with `/bin/sh -c` on that machine (a password manager's CLI); its
        /// stdout, one trailing newline trimmed, is the value. Run once per rollout run.
        case command(String)

        public var description: String {
            switch self {
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
            case .command(let command): "command \(command)"
            }
        }
    }

    public var name: String
    public var source: Source
    /// Where the secret is declared.
    public var location: FileLocation

    public init(name: String, source: Source, location: FileLocation) {
        self.name = name
        self.source = source
        self.location = location
    }
}
