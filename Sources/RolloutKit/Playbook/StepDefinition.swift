/// One step of a playbook: its typed kind plus the fields every step shares.
public struct StepDefinition: Sendable {
    /// Fields every step may have, besides its kind.
    public static let commonOptions: [OptionSpec] = [
        OptionSpec("name", .text, "Shown in output. Default: the kind and its main option."),
        OptionSpec("on", .texts, "A group or host name, or a list of them. Default: every host."),
        OptionSpec("run_once", .flag, "Run on the first matching host only."),
        OptionSpec("when", .either([.text, .flag]), "Run only when the condition holds."),
        OptionSpec("timeout", .duration, "Longest the step may take."),
        OptionSpec("retries", .number, "Extra attempts after a failure, 0-100. Default 0."),
        OptionSpec("delay", .duration, "Pause between attempts. Default 5s."),
        OptionSpec("register", .text, "Name for this step's result, readable by later steps."),
        OptionSpec("ignore_failure", .flag, "A failure is reported but does not stop the deploy."),
        OptionSpec("before_undo", .flag, "In rollback: only: run before the automatic undo (stop traffic first). Default after it."),
        OptionSpec(
            "verify_after_rollback", .flag,
            "A check that ran is run again after a rollback, to show the restored release works. Default true; false for a check of what only the new release has."
        ),
    ]
    public static let commonKeys = commonOptions.names

    /// The step's name; default the kind's summary ("shell: make build").
    public var name: String
    /// The typed step, of one of the kinds the playbook was loaded with.
    public var step: any RunnableStep
    /// The step's options as written, every scalar a template (what `rollout plan` shows).
    public var options: [TemplateEntry]
    /// Groups or hosts the step runs on; empty means every host of the environment.
    public var on: [String]
    /// Run on the first matching host only (backups, migrations).
    public var runOnce: Bool
    public var when: Condition?
    /// Longest the step may run; nil uses the kind's own limits.
    public var timeout: Duration?
    /// Extra attempts after a failure (default 0), `delay` apart (default 5s).
    public var retries: Int
    public var delay: Duration
    /// Name later steps read this step's result by (`{{ name.stdout }}`).
    public var register: String?
    /// A failure is reported but does not stop the deploy or trigger a rollback.
    public var ignoreFailure: Bool
    /// A `rollback:` step that runs before the automatic undo (disabling a webhook, so that no
    /// event lands on a half-restored app) instead of after it.
    public var beforeUndo: Bool = false
    /// `verify_after_rollback: false`: a check of what only the new release has (a new
    /// endpoint), which the restored release would fail.
    public var skipAfterRollback: Bool = false
    /// Where the step starts (`deploy.yml:12:5`), for messages.
    public var location: FileLocation
    /// Where each name of `on:` is written, for messages about it.
    public var onLocations: [FileLocation]

    /// True when the step, having run, runs again on the restored state after a rollback.
    public var runsAgainAfterRollback: Bool { step.runsAgainAfterRollback && !skipAfterRollback }

    /// The kind's name: `shell`, `migrate`.
    public var kind: String { type(of: step).kind }

    /// Every template the step uses: options, `when`, and those the kind keeps elsewhere (the
    /// checks of a `check` step's suite file).
    public var templates: [Template] {
        options.flatMap(\.value.templates) + (when?.templates ?? []) + step.nestedTemplates
    }
}
