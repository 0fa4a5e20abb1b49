/// A signed test callback listed under a check suite's `callbacks:`: the options of a
/// `callback` step, sent by `rollout verify` (a playbook sends callbacks as steps of its own).
public struct SuiteCallback: Sendable {
    /// Shown in reports; default the callback step's summary ("callback paytr tampered").
    public var name: String
    public var step: CallbackStep
    public var location: FileLocation

    /// Every template the callback uses, for load-time checks of the names it uses.
    public var templates: [Template] {
        var all = [step.url] + step.fields.flatMap(\.value.templates) + step.expectBodyContains
            + step.laterExpectations.flatMap(\.bodyContains)
        switch step.provider {
        case .paytr(let merchantID, let key, let salt): all += [key, salt] + (merchantID.map { [$0] } ?? [])
        case .stripe(let secret, let apiVersion): all += [secret] + (apiVersion.map { [$0] } ?? [])
        }
        return all
    }
}
