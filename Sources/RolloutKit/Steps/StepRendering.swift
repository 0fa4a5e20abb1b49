/// What renders a step's templates and names its failures: the step's context on a host, or a
/// plain scope in tests.
protocol StepRendering {
    func render(_ template: Template) throws(StepError) -> RenderedText
    func failure(_ message: String, hint: String?) -> StepError
    /// Masks every secret known so far; what a response shows goes through it before it is cut
    /// to an excerpt (a cut secret would no longer be recognised).
    var masker: SecretMasker { get }
}

extension StepRendering {
    var masker: SecretMasker { .none }
}

extension StepContext: StepRendering {}
