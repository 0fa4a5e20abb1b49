/// A signed test callback listed under a check suite's `callbacks:`: the options of a
/// `callback` step, sent by `rollout verify` (a playbook sends callbacks as steps of its own).
public struct SuiteCallback: Sendable {
    /// Shown in reports; default the callback step's summary ("callback paytr tampered").
    public var name: String
    /// A step of the registry's `callback` kind.
    public var step: any RunnableStep
    /// Its options as written, every scalar a template.
    public var options: [TemplateEntry]
    public var location: FileLocation

    /// Every template the callback uses, for load-time checks of the names it uses; those
    /// numbered per request (`{{ i }}`, `{{ uuid }}` in `fields`) are filled in as it sends.
    public var templates: [Template] {
        let numbered = Set(step.templatesNumberedPerSend)
        return (options.flatMap(\.value.templates) + step.nestedTemplates).filter { !numbered.contains($0) }
    }
}
