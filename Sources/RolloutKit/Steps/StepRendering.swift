/// What renders a step's templates and names its failures: the step's context on a host, or a
/// plain scope in tests.
protocol StepRendering {
    func render(_ template: Template) throws(StepError) -> RenderedText
    func failure(_ message: String, hint: String?) -> StepError
}

extension StepContext: StepRendering {}
