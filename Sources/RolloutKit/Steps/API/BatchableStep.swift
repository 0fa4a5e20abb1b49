/// A step whose whole work is one command, so that several in a row can share one round trip
/// (`StepBatch`) instead of paying one each.
public protocol BatchableStep: RunnableStep {
    /// The command the step runs, rendered for the host.
    func command(in context: StepContext) throws(StepError) -> RemoteCommand
    /// Whether this instance can join a batch (a command that reads stdin cannot).
    var batchable: Bool { get }
    /// Exit codes that count as success.
    var expectedExitCodes: [Int] { get }
    /// How the step ended, from its command's result; what it quotes of the output is masked
    /// with `masker`.
    func result(of command: CommandResult, masker: SecretMasker) -> StepRun
}
