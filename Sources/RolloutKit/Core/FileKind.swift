/// What a YAML file is, told from its top-level keys.
public enum FileKind: String, Sendable, Hashable {
    /// Has `steps:`.
    case playbook
    /// Has `environments:`.
    case inventory
    /// Has `checks:` or `callbacks:`.
    case checkSuite = "check suite"
    /// A bare list of steps, for `include:`.
    case stepList = "step list"

    /// The kind of the parsed document `root`, or nil when it is none of them.
    static func detect(_ root: YAMLNode) -> FileKind? {
        if root.items != nil { return .stepList }
        if root["steps"] != nil { return root.entries?.count == 1 ? .stepList : .playbook }
        if root["environments"] != nil { return .inventory }
        if root["checks"] != nil || root["callbacks"] != nil { return .checkSuite }
        return nil
    }
}
