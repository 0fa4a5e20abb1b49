/// Check suites ready to run against one environment from this machine (`rollout verify`):
/// their references checked, their secrets read. Nothing connects over SSH.
public struct Verification: Sendable {
    /// The suites in the order given, each with the names its templates can use.
    public var suites: [(suite: CheckSuite, scope: Scope)]
    public var environment: Inventory.Environment
    /// Masks every secret any of the suites declared.
    public var masker: SecretMasker

    /// Sends every check of every suite, in order, then the suite's callbacks, calling
    /// `finished` as each one ends.
    public func run(http: HTTPClient = HTTPClient(), finished: (VerifiedCheck) -> Void) async -> [VerifiedCheck] {
        var all: [VerifiedCheck] = []
        for (suite, scope) in suites {
            let context = Self.context(for: suite, scope: scope, masker: masker, http: http)
            do {
                try await CheckSuiteRun(suite: suite).send(in: context) { check, name, result in
                    let masked = masker.mask(name)
                    let verified = VerifiedCheck(
                        suite: masker.mask(suite.name), file: suite.file, name: masked, location: check.location,
                        status: result.status, milliseconds: result.elapsed?.milliseconds, attempts: result.attempts,
                        problems: result.problems.map { masker.mask($0) }, line: masker.mask("\(masked): \(result.summaryText)"))
                    all.append(verified)
                    finished(verified)
                }
            } catch {
                // References were checked at load time; one that still fails (an `env.*` that
                // changed meanwhile) fails the suite rather than stopping the others.
                let problem = masker.mask("\(error)")
                let verified = VerifiedCheck(
                    suite: masker.mask(suite.name), file: suite.file, name: masker.mask(suite.name), location: suite.location,
                    status: nil, milliseconds: nil, attempts: 0, problems: [problem], line: "\(masker.mask(suite.name)): FAIL — \(problem)")
                all.append(verified)
                finished(verified)
            }
            for callback in suite.callbacks {
                let verified = await send(callback, of: suite, in: context)
                all.append(verified)
                finished(verified)
            }
        }
        return all
    }

    /// Signs and sends one callback of the suite with the callback step's own code; its line
    /// is the step's report (`tampered: 400, 2.1 ms, pass`, or counts and percentiles for many).
    private func send(_ callback: SuiteCallback, of suite: CheckSuite, in context: StepContext) async -> VerifiedCheck {
        let name = masker.mask(callback.name)
        let clock = ContinuousClock()
        let start = clock.now
        var status: Int?
        var problems: [String]
        var report: String
        do {
            let run = try await callback.step.run(in: context)
            status = run.fields["status"].flatMap { Int($0) }
            problems = run.outcome == .failed ? [masker.mask(run.failure ?? "not answered as expected")] : []
            report = masker.mask((run.fields["stdout"] ?? "").split(separator: "\n").joined(separator: "; "))
        } catch {
            problems = [masker.mask("\(error)")]
            report = "FAIL"
        }
        return VerifiedCheck(
            suite: masker.mask(suite.name), file: suite.file, name: name, location: callback.location, status: status,
            milliseconds: (clock.now - start).milliseconds, attempts: 1, problems: problems, line: "\(name) — \(report)")
    }

    /// What a check step needs to send requests: no host is reached, so the transport is this
    /// machine's and is never used.
    private static func context(for suite: CheckSuite, scope: Scope, masker: SecretMasker, http: HTTPClient) -> StepContext {
        let name = "verify \(suite.file)"
        return StepContext(
            host: Host(name: "local", address: "local", transport: .local, location: suite.location),
            transport: LocalTransport(), scope: scope, stepIndex: 0, stepName: name, runID: RunID.generate(),
            stateDirectory: "", timeout: nil, masker: masker, output: nil, http: http,
            recorded: { _ in throw StepError(host: "local", step: name, message: "rollout verify changes no host") })
    }
}
