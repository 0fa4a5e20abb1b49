import Foundation

/// Copies a local file (or inline text) to the host atomically: SFTP to a temporary name,
/// fsync, rename. `upload: { src: files/app.conf, dest: /etc/app.conf, mode: "0640", owner: app }`.
/// Undo: the previous file is restored.
public struct UploadStep: Step {
    public static let kind = "upload"
    public static let optionKeys = ["src", "content", "dest", "mode", "owner"]

    /// Local file, relative to the playbook.
    public var src: Template?
    /// Inline file contents, instead of `src`.
    public var content: Template?
    /// Remote path.
    public var dest: Template
    /// Permission bits; nil keeps the existing file's mode.
    public var mode: UInt32?
    /// `user` or `user:group`.
    public var owner: Template?

    public init?(options: OptionReader, context: StepDecodingContext) {
        options.exactlyOne(of: ["src", "content"])
        src = options.template("src")
        content = options.template("content")
        let dest = options.template("dest", required: true)
        owner = options.template("owner")
        if let node = options.node("mode"), let text = options.scalarText(node, key: "mode") {
            if let bits = UInt32(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: 8), bits <= 0o7777 {
                mode = bits
            } else {
                options.sink.error("'mode' must be octal permission bits like \"0640\", found '\(text)'", at: node.location)
            }
        }
        if let src, src.isLiteral, !FileManager.default.fileExists(atPath: context.url(of: src.source).path) {
            options.error("no such file to upload: '\(context.displayName(of: src.source))'", at: "src")
        }
        guard let dest else { return nil }
        self.dest = dest
    }

    public var mutates: Bool { true }
    public var summary: String { "upload \(dest.shortened)" }
}
