/// A step on a host.
public struct HostStep: Sendable, Hashable {
    public var host: String
    public var step: StepInfo

    public init(host: String, step: StepInfo) {
        self.host = host
        self.step = step
    }
}
