/// A step that could not do its work on a host, for a reason other than its command's exit
/// status: a template that does not render, a file that cannot be read, a check that failed.
public struct StepError: Error, Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var step: String
    /// What went wrong, in one line, secrets masked.
    public var message: String
    /// What to do about it, when there is something to say.
    public var hint: String?

    public init(host: String, step: String, message: String, hint: String? = nil) {
        self.host = host
        self.step = step
        self.message = message
        self.hint = hint
    }

    public var description: String {
        "[\(host)] \(step): \(message)" + (hint.map { " — \($0)" } ?? "")
    }
}
