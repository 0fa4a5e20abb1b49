/// The result of rendering a template: the text, the same text with every secret replaced by
/// `***` (for plans, logs and records), and which secrets went into it.
///
/// When `containsSecrets` is true the engine must keep `text` off every command line (send it on
/// stdin) and show only `masked`.
public struct RenderedText: Sendable, Hashable, CustomStringConvertible {
    /// The real text, to hand to a transport.
    public private(set) var text: String = ""
    /// The text with each secret value replaced by `***`.
    public private(set) var masked: String = ""
    /// Names of the secrets used, sorted.
    public private(set) var secretNames: [String] = []

    public init() {}

    /// Plain text with no secret in it.
    public init(_ text: String) {
        self.text = text
        masked = text
    }

    /// True when any secret went into the text.
    public var containsSecrets: Bool { !secretNames.isEmpty }

    /// The masked text, so printing a rendered value never shows a secret.
    public var description: String { masked }

    mutating func append(_ plain: String) {
        text += plain
        masked += plain
    }

    mutating func append(_ other: RenderedText) {
        text += other.text
        masked += other.masked
        if !other.secretNames.isEmpty {
            secretNames = Array(Set(secretNames).union(other.secretNames)).sorted()
        }
    }

    static func secret(named name: String, _ secret: Secret) -> RenderedText {
        var rendered = RenderedText()
        rendered.text = secret.revealedForTransport
        rendered.masked = Secret.mask
        rendered.secretNames = [name]
        return rendered
    }
}
