/// Where console output goes: standard output, or a buffer in tests.
public protocol TextSink: Sendable {
    func write(_ text: String)
}
