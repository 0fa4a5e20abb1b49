/// Sets `KEY=VALUE` lines of a `.env` file in place: comments, order and mode are kept, new
/// keys are appended, the write is atomic.
/// `set_env: { file: /opt/app/.env, values: { KEY: value }, remove: [OLD_KEY] }`.
/// Undo: the previous file, byte for byte.
public struct SetEnvStep: Step {
    public static let kind = "set_env"
    public static let optionKeys = ["file", "values", "remove", "create"]

    public var file: Template
    /// Keys to set, in order.
    public var values: [TemplateEntry]
    /// Keys to delete.
    public var remove: [String]
    /// Create the file when it does not exist (otherwise that is an error).
    public var create: Bool

    public init?(options: OptionReader, context: StepDecodingContext) {
        let file = options.template("file", required: true)
        values = options.templateMap("values") ?? []
        remove = options.strings("remove") ?? []
        create = options.bool("create") ?? false
        for entry in values where !Self.isKey(entry.key) {
            options.error("'\(entry.key)' is not a valid .env key (letters, digits and _, not starting with a digit)", at: "values")
        }
        if values.isEmpty, remove.isEmpty {
            options.error("set_env needs 'values' or 'remove'")
        }
        for key in remove where values.contains(where: { $0.key == key }) {
            options.error("'\(key)' is both set in 'values' and removed in 'remove'", at: "remove")
        }
        guard let file else { return nil }
        self.file = file
    }

    static func isKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    public var mutates: Bool { true }
    public var summary: String { "set_env \(file.shortened)" }
}
