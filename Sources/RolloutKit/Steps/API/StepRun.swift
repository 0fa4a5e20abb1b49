/// How one step ended on one host.
public struct StepRun: Sendable, Hashable {
    public var outcome: StepOutcome
    /// The command the step ran, when it ran one (its output is unmasked: mask before showing).
    public var command: CommandResult?
    /// Fields later steps read through `register` (`stdout`, `exit_code`, …).
    public var fields: [String: String]
    /// Why the step failed, in one line (masked by the engine before it is shown).
    public var failure: String?
    /// What the step recorded for its undo; nil when it changed nothing.
    public var undo: [String: String]?

    public init(
        outcome: StepOutcome, command: CommandResult? = nil, fields: [String: String] = [:],
        failure: String? = nil, undo: [String: String]? = nil
    ) {
        self.outcome = outcome
        self.command = command
        self.fields = fields
        self.failure = failure
        self.undo = undo
    }

    /// The fields every step registers from its command.
    public static func commandFields(_ result: CommandResult) -> [String: String] {
        [
            "stdout": result.stdoutText.trimmingTrailingNewlines,
            "stderr": result.stderrText.trimmingTrailingNewlines,
            "exit_code": result.exitStatus.map(String.init) ?? "",
            "duration_ms": String(
                result.duration.components.seconds * 1000
                    + result.duration.components.attoseconds / 1_000_000_000_000_000),
        ]
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
