/// Where a playbook says a secret comes from: `{ env: NAME }` or `{ file: PATH }`.
public struct SecretDeclaration: Sendable, Hashable {
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// An environment variable of the machine running rollout.
        case environment(String)
        /// A file on that machine; `~` is expanded, one trailing newline is trimmed.
        case file(String)

        public var description: String {
            switch self {
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
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
