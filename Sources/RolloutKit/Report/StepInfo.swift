/// A step as reporters name it.
public struct StepInfo: Sendable, Hashable {
    /// Position in the playbook, from 0 (shown from 1).
    public var index: Int
    public var name: String
    /// The step kind (`shell`, `set_env`, …).
    public var kind: String
    /// How many steps the playbook has, for "3/8".
    public var total: Int?

    public init(index: Int, name: String, kind: String, total: Int? = nil) {
        self.index = index
        self.name = name
        self.kind = kind
        self.total = total
    }

    /// `3/8 name` (or `3. name` without a total).
    public var label: String {
        let number = total.map { "\(index + 1)/\($0)" } ?? "\(index + 1)."
        return "\(number) \(name)"
    }
}
