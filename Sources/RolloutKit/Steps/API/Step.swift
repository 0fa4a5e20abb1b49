public import Foundation

/// One kind of step (`shell`, `git`, `migrate`, …): its options as typed values.
///
/// A kind is one struct in `Steps/<Kind>Step.swift` and one line in `StepRegistry`. Options
/// that take `{{ }}` references are stored as `Template`s and rendered per host at run time.
public protocol Step: Sendable {
    /// The key that names the kind in a playbook: `shell`, `backup_database`.
    static var kind: String { get }
    /// The option a bare value stands for: `shell: make` means `shell: { run: make }`.
    /// Nil when the kind always needs a mapping.
    static var mainOption: String? { get }
    /// The kind's options: the keys the loader accepts (unknown-key messages, "did you mean")
    /// and what `rollout schema` describes.
    static var options: [OptionSpec] { get }
    /// Every option key the kind accepts; `options`' names.
    static var optionKeys: [String] { get }
    /// Fields a later step can read from this step's registered result (`{{ name.field }}`).
    static var resultFields: [String] { get }
    /// This step's registered fields: the kind's, plus any its options add (a check suite's
    /// captures). Default `resultFields`.
    var registeredFields: [String] { get }

    /// Reads the options from `options`, reporting every problem into its diagnostics; returns
    /// nil when a required option is missing or unusable.
    init?(options: OptionReader, context: StepDecodingContext)

    /// True when the step changes the host (the engine records an undo before it runs and
    /// skips it under `--check`).
    var mutates: Bool { get }

    /// A short default name for the step: "shell: make build", "git origin/main".
    var summary: String { get }

    /// Templates the step uses besides its options (a `check` step's suite file), so that the
    /// loader checks the names they use with the rest. Default none.
    var nestedTemplates: [Template] { get }

    /// Options that `rollout plan --offline` leaves out of the step's options as written,
    /// because `planDetails` shows them better. Default none.
    static var optionsShownByPlanDetails: Set<String> { get }
    /// Lines `rollout plan --offline` shows under the step's options (a check suite's requests
    /// with what each expects). Default none.
    var planDetails: [String] { get }
    /// What undoing the step does, in a few words, for `rollout plan --offline` ("puts the
    /// previous file back"); `render` fills in a template as the plan shows it. Default:
    /// nothing to undo.
    func undoDescription(render: (Template) -> String) -> String
    /// What the step does to the world, for its heading in `rollout plan --offline`.
    /// Default: "changes the host" or "read only".
    var planEffect: String { get }
    /// Templates rendered once per request the step sends, where `{{ i }}` and `{{ uuid }}`
    /// mean that request's number and id (a callback's `fields`). Default none.
    var templatesNumberedPerSend: [Template] { get }

    /// Reports problems that depend on the playbook's earlier steps (`earlier`, in order): a
    /// migration with no backup before it and no `undo:` cannot be undone. Default none.
    func lint(after earlier: [any Step], reportingTo sink: DiagnosticSink, at location: FileLocation)
}

extension Step {
    public static var mainOption: String? { nil }
    public static var optionKeys: [String] { options.names }
    public static var resultFields: [String] { RegisteredResult.commonFields }
    public static var optionsShownByPlanDetails: Set<String> { [] }
    public var nestedTemplates: [Template] { [] }
    public var registeredFields: [String] { Self.resultFields }
    public var planDetails: [String] { [] }
    public func undoDescription(render: (Template) -> String) -> String { mutates ? "none" : "none needed (it changes nothing)" }
    public var planEffect: String { mutates ? "changes the host" : "read only" }
    public var templatesNumberedPerSend: [Template] { [] }
    public func lint(after earlier: [any Step], reportingTo sink: DiagnosticSink, at location: FileLocation) {}
}

/// What a step kind may need while decoding, besides its options.
public struct StepDecodingContext: Sendable {
    /// Directory of the file the step is written in; relative paths are taken from here.
    public var directory: URL
    /// Where the step starts.
    public var location: FileLocation
    /// The playbook's `callback_defaults:`, for `callback` steps.
    public var callbackDefaults: CallbackDefaults?

    public init(directory: URL, location: FileLocation, callbackDefaults: CallbackDefaults? = nil) {
        self.directory = directory
        self.location = location
        self.callbackDefaults = callbackDefaults
    }

    /// How messages name a file at `path`, relative to the step's file: the path as written when
    /// the step's file was named relative, so messages stay short.
    public func displayName(of path: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = (location.file as NSString).deletingLastPathComponent
        return base.isEmpty ? path : (base as NSString).appendingPathComponent(path)
    }

    /// The absolute URL of `path`, relative to the step's file.
    public func url(of path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path).standardizedFileURL
    }
}

extension Template {
    /// The first line of the text, shortened, for default step names.
    var shortened: String {
        let line = source.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count > 60 ? String(line.prefix(57)) + "…" : line
    }
}
