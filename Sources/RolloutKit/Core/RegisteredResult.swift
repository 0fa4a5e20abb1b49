/// What a step saved with `register: name`, readable by later steps as `{{ name.field }}`.
///
/// Every step offers `stdout`, `stderr`, `exit_code` and `duration_ms`; a step kind may add its
/// own fields (`Step.resultFields`), such as `path` and `sha256` of a `backup_database`.
public struct RegisteredResult: Sendable, Hashable {
    /// Field name → value as text.
    public var fields: [String: String]

    public init(fields: [String: String]) {
        self.fields = fields
    }

    /// Fields every step kind offers.
    public static let commonFields = ["stdout", "stderr", "exit_code", "duration_ms"]
}
