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

extension SecretDeclaration {
    /// A `secrets:` entry's keys: exactly one of them.
    public static let options: [OptionSpec] = [
        OptionSpec("env", .text, "An environment variable of the machine running rollout."),
        OptionSpec("file", .text, "A file on that machine; ~ is expanded, one trailing newline trimmed."),
        OptionSpec("command", .text, "A command run on that machine (op read, pass, vault kv get); its output, once per run."),
    ]

    /// The `secrets:` of a playbook or check suite, each problem reported with its position.
    static func read(from reader: OptionReader) -> [SecretDeclaration] {
        guard let node = reader.node("secrets") else { return [] }
        guard let entries = node.entries else {
            if !node.isNull {
                reader.sink.error(
                    "'secrets' must map names to { env: NAME }, { file: PATH } or { command: \"…\" }, found \(node.kindDescription)",
                    at: node.location)
            }
            return []
        }
        var declarations: [SecretDeclaration] = []
        for entry in entries {
            guard let name = reader.scalarText(entry.key, key: "secrets") else { continue }
            let source = OptionReader(entry.value, context: "secret '\(name)'", allowed: options.names, sink: reader.sink)
            let chosen = source.exactlyOne(of: ["env", "file", "command"])
            let env = source.string("env")
            let file = source.string("file")
            let command = source.string("command")
            source.finish()
            if chosen == "command", let command {
                if command.trimmingCharacters(in: .whitespaces).isEmpty {
                    reader.sink.error(
                        "secret '\(name)': 'command' is empty; write the command that prints the secret, like op read op://vault/item/field",
                        at: entry.value["command"]?.location ?? entry.key.location)
                } else {
                    declarations.append(
                        SecretDeclaration(name: name, source: .command(command), location: entry.value["command"]?.location ?? entry.key.location))
                }
            }
            if chosen == "env", let env {
                declarations.append(
                    SecretDeclaration(name: name, source: .environment(env), location: entry.value["env"]?.location ?? entry.key.location))
            } else if chosen == "file", let file {
                declarations.append(SecretDeclaration(name: name, source: .file(file), location: entry.value["file"]?.location ?? entry.key.location))
            }
        }
        return declarations
    }
}
