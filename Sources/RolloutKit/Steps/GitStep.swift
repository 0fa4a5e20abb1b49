/// Fetches and checks out a ref in a working copy: `git: { dir: /opt/app, ref: origin/main }`.
/// With `repo`, a missing `dir` is cloned first. Undo: checkout of the previous commit.
public struct GitStep: Step {
    public static let kind = "git"
    public static let optionKeys = ["dir", "ref", "repo", "remote"]
    public static let resultFields = RegisteredResult.commonFields + ["commit", "previous_commit"]

    public var dir: Template
    /// Branch, tag, commit or `remote/branch`.
    public var ref: Template
    /// URL to clone from when `dir` does not exist yet.
    public var repo: Template?
    /// Remote to fetch (default `origin`).
    public var remote: String

    public init?(options: OptionReader, context: StepDecodingContext) {
        let dir = options.template("dir", required: true)
        let ref = options.template("ref", required: true)
        repo = options.template("repo")
        remote = options.string("remote") ?? "origin"
        guard let dir, let ref else { return nil }
        self.dir = dir
        self.ref = ref
    }

    public var mutates: Bool { true }
    public var summary: String { "git \(ref.shortened)" }
}
