/// Runs an HTTP check suite: `check: checks/billing.yml` (a file, relative to the playbook) or
/// inline `check: { base_url: …, checks: [ … ] }`. `base_url` overrides the file's. No undo.
public struct CheckStep: Step {
    public static let kind = "check"
    public static let mainOption: String? = "suite"
    public static let optionKeys = ["suite", "base_url", "defaults", "checks"]
    public static let resultFields = RegisteredResult.commonFields + ["passed", "failed"]

    /// The suite file as written, when the checks come from a file.
    public var suitePath: String?
    /// The checks, loaded at load time so their mistakes are reported with the playbook's.
    public var suite: CheckSuite

    public init?(options: OptionReader, context: StepDecodingContext) {
        options.exactlyOne(of: ["suite", "checks"])
        if let path = options.string("suite") {
            suitePath = path
            options.atMostOne(of: ["suite", "defaults"])
            let override = options.template("base_url")
            guard var loaded = CheckSuiteLoader.load(
                context.url(of: path), name: context.displayName(of: path), sink: options.sink, from: options.keyLocation("suite"),
                baseURLGiven: override != nil)
            else { return nil }
            if let override { loaded.baseURL = override }
            suite = loaded
        } else if options.has("checks") {
            suitePath = nil
            suite = CheckSuiteLoader.decode(options, name: "inline checks", file: context.location.file)
        } else {
            return nil
        }
    }

    public var mutates: Bool { false }
    public var summary: String { "check \(suitePath ?? "\(suite.checks.count) requests")" }
}
