/// How one check went under `rollout verify`; every text is already masked.
public struct VerifiedCheck: Sendable, Hashable {
    /// The suite's name and its file as the user named it.
    public var suite: String
    public var file: String
    /// The check's name, its references filled in (masked).
    public var name: String
    /// Where the check is written, for reports that point at the source.
    public var location: FileLocation
    /// The last response's status; nil when nothing answered.
    public var status: Int?
    /// The last response's total time in milliseconds; nil when nothing answered.
    public var milliseconds: Double?
    /// Requests sent, retries included.
    public var attempts: Int
    /// Each unmet expectation as `expected …, got …`, or why nothing answered.
    public var problems: [String]

    public var passed: Bool { problems.isEmpty }
    /// Whether the endpoint answered at all (any status, even a wrong one).
    public var answered: Bool { status != nil }

    /// `name: 200, 12.3 ms, pass` (with `after N attempts` when a retry was needed).
    public var line: String
}
