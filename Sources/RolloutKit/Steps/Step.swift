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

    /// Reads the options from `options`, reporting every problem into its diagnostics; returns
    /// nil when a required option is missing or unusable.
    init?(options: OptionReader, context: StepDecodingContext)

    /// True when the step changes the host (the engine records an undo before it runs and
    /// skips it under `--check`).
    var mutates: Bool { get }

    /// A short default name for the step: "shell: make build", "git origin/main".
    var summary: String { get }
}

extension Step {
    public static var mainOption: String? { nil }
    public static var optionKeys: [String] { options.names }
    public static var resultFields: [String] { RegisteredResult.commonFields }
}

/// What a step kind may need while decoding, besides its options.
public struct StepDecodingContext: Sendable {
    /// Directory of the file the step is written in; relative paths are taken from here.
    public var directory: URL
    /// Where the step starts.
    public var location: FileLocation

    public init(directory: URL, location: FileLocation) {
        self.directory = directory
        self.location = location
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
