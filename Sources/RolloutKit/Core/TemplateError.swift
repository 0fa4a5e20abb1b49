/// Why a template could not be rendered.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No variable, secret or registered result has that name.
        case undefined
        /// The value exists only later in the run (a registered result, `run.id`).
        case notYetKnown
        /// The name holds a list or mapping, which cannot stand in text.
        case notText
        /// Variables refer to each other in a loop.
        case cycle
    }

    public var kind: Kind
    /// The reference as written: `secrets.paytr_key`.
    public var reference: String
    /// Where the reference is, when known.
    public var location: FileLocation?
    /// One line saying what is wrong.
    public var message: String
    /// A close existing name, for "did you mean".
    public var suggestion: String?

    public var description: String {
        var text = message
        if let suggestion { text += "; did you mean '\(suggestion)'?" }
        if let location { text = "\(location): \(text)" }
        return text
    }
}
