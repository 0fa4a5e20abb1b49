import ArgumentParser
import Foundation
import RolloutKit

/// `rollout verify CHECKS… -e ENV`: runs check suites against an environment from this machine,
/// for CI after a deploy.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run check suites and their signed callbacks against an environment from this machine (CI after a deploy).",
        discussion: """
            Each check suite (docs/checks.md) is sent from this machine, in the order given; no \
            host is connected over SSH and nothing is changed. The suites' {{ }} references take \
            their values from the environment's vars in the inventory (and --var); secrets \
            come from the suite's own secrets: ({ env: NAME } or { file: PATH }) and are shown \
            as *** in every output and report. One line per check (name, status, time, pass or \
            FAIL), then a summary; a failing check also shows what was expected and what came \
            back. Output is plain text whatever the terminal.

            A suite can sign in first (login:, a form or JSON login): its cookies are kept for \
            the suite, values taken from responses (capture:, by JSON path, header, cookie or \
            regex) are used as {{ captured.NAME }}, a capture marked secret: true is masked like \
            a secret, and a login shared by several suites is sent once while its token lasts.

            A suite may also list signed payment callbacks under callbacks: (each the options \
            of a callback step: paytr or stripe, url, scenario valid, tampered, replay, stale or \
            failed, expect); they are sent after the suite's checks and count as checks.

            The inventory is --inventory FILE, else inventory.yml next to the first suite, else \
            inventory.yml in the current directory.

            Examples:
              rollout verify checks/billing.yml -e staging --inventory deploy/inventory.yml
              rollout verify checks/*.yml -e staging --junit out.xml --json verify.jsonl
              PAYTR_MERCHANT_KEY=… PAYTR_MERCHANT_SALT=… rollout verify checks/callbacks.yml -e staging
              rollout verify checks/billing.yml -e ci --var base_url=http://127.0.0.1:8080

            Exit status: 0 every check passed · 1 a check failed · 2 invalid input (a mistake in \
            a suite or the inventory, reported as file:line:column), nothing sent · 5 nothing \
            answered any check (the endpoints are unreachable).
            """
    )

    @Argument(help: ArgumentHelp("Check suite files (checks:, callbacks:), e.g. checks/billing.yml.", valueName: "checks"))
    var suites: [String]

    @Option(name: .customShort("e"), help: ArgumentHelp("Environment of the inventory, e.g. -e staging.", valueName: "environment"))
    var environment: String

    @Option(
        help: ArgumentHelp("The inventory file. Default: inventory.yml next to the first suite, else in the current directory.", valueName: "file"))
    var inventory: String?

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Override a variable, e.g. --var base_url=https://staging.example.com (repeatable).", valueName: "name=value"))
    var vars: [String] = []

    @Option(help: ArgumentHelp("Also write a JUnit XML report (one testcase per check), e.g. --junit out.xml.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("Also write one JSON object per check and a final summary object, e.g. --json verify.jsonl.", valueName: "file"))
    var json: String?

    func run() async throws {
        let loaded = VerificationLoader(environmentName: environment, overrides: try PlaybookSelection.overrides(vars))
            .load(inventoryPath: try inventoryPath(), suitePaths: suites)
        if !loaded.diagnostics.all.isEmpty {
            FileHandle.standardError.write(Data((loaded.diagnostics.rendered() + "\n").utf8))
        }
        guard let verification = loaded.verification else { throw ExitCode(RolloutExitCode.invalidInput.rawValue) }
        // Reports that cannot be written are found before anything is sent.
        for (path, option) in [(junit, "--junit"), (json, "--json")] {
            guard let path, !FileManager.default.createFile(atPath: path, contents: nil) else { continue }
            throw ValidationError("cannot write the \(option) report to \(path); check that its directory exists and is writable")
        }

        let stdout = FileDescriptorSink(fileDescriptor: 1)
        let clock = ContinuousClock()
        let start = clock.now
        let checks = await verification.run { check in
            var text = "\(check.suite) › \(check.line)\n"
            for problem in check.problems { text += "    \(problem)\n" }
            stdout.write(text)
        }
        let report = VerificationReport(
            environment: environment, checks: checks, duration: clock.now - start, masker: verification.masker)
        stdout.write(report.summary + "\n")
        if let junit { try? Data(report.junitXML.utf8).write(to: URL(fileURLWithPath: junit), options: .atomic) }
        if let json { try? Data(report.jsonLines.utf8).write(to: URL(fileURLWithPath: json), options: .atomic) }
        if report.nothingAnswered { throw ExitCode(RolloutExitCode.connectionFailed.rawValue) }
        if !report.failed.isEmpty { throw ExitCode(RolloutExitCode.restored.rawValue) }
    }

    /// `--inventory`, else the first inventory.yml found next to the first suite or here.
    private func inventoryPath() throws -> String {
        if let inventory { return inventory }
        let beside = (suites.first.map { ($0 as NSString).deletingLastPathComponent } ?? "")
        let candidates = [beside.isEmpty ? "inventory.yml" : beside + "/inventory.yml", "inventory.yml"]
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        let looked = Array(Set(candidates)).sorted()
        let missing = looked.count == 1 ? "\(looked[0]) does not exist" : "\(looked.joined(separator: " and ")) do not exist"
        throw ValidationError(
            "no inventory for -e \(environment): \(missing); pass --inventory FILE, e.g. --inventory playbooks/youarecoder/inventory.yml")
    }
}
