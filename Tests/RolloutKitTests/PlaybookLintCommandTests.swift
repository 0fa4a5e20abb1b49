import Foundation
import TestSupport
import Testing

/// Runs the built `rollout` binary the way a user or CI does and checks what it prints and
/// its exit status.
@Suite struct PlaybookLintCommandTests {
    /// Runs the built `rollout` in `directory` (see `RolloutCLI`).
    func rollout(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) async throws -> RolloutCLI.Output {
        try await RolloutCLI.run(arguments, in: directory, environment: environment)
    }

    @Test func brokenPlaybookReportsAllFourProblemsAndExits2() async throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            vars:
              app_dir: /opt/app
            steps:
              - nmae: Update the code
                git: { dir: "{{ app_dir }}", ref: origin/main }
              - shel: make
              - shell: ls {{ ap_dir }}
              - shell: make
                on: dbs
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let output = try await rollout(["lint", "deploy.yml"], in: fixture.directory)
        #expect(output.status == 2)
        #expect(
            output.stderr == """
                deploy.yml:6:5: error: unknown key 'nmae' in the 'git' step; did you mean 'name'?
                      - nmae: Update the code
                        ^
                deploy.yml:8:5: error: unknown step kind 'shel'; did you mean 'shell'?
                      - shel: make
                        ^
                deploy.yml:9:15: error: undefined variable 'ap_dir'; did you mean 'app_dir'?
                      - shell: ls {{ ap_dir }}
                                  ^
                deploy.yml:11:9: error: 'dbs' in 'on:' is neither a group nor a host of the inventory; did you mean 'db'?
                        on: dbs
                            ^
                4 errors, 0 warnings

                """)

        let json = try await rollout(["lint", "--format", "json", "deploy.yml"], in: fixture.directory)
        #expect(json.status == 2)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let positions = decoded?.map { "\($0["line"] ?? ""):\($0["column"] ?? ""):\($0["suggestion"] ?? "")" }
        #expect(positions == ["6:5:name", "8:5:shell", "9:15:app_dir", "11:9:db"])
    }

    @Test func shippedTemplateLintsClean() async throws {
        let directory = packageRoot.appendingPathComponent("Templates/basic")
        let output = try await rollout(
            ["lint", "-e", "staging", "playbook.yml", "inventory.yml", "checks.yml"], in: directory,
            environment: ["MYAPP_DB_PASSWORD": "x-db-password"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.isEmpty)
        #expect(output.stdout == "3 files: no problems found\n")
    }

    @Test func unsetSecretIsAWarningForLintAndAnErrorForAnEnvironment() async throws {
        let directory = packageRoot.appendingPathComponent("Templates/basic")
        let lint = try await rollout(["lint", "playbook.yml"], in: directory)
        #expect(lint.status == 0)
        #expect(lint.stderr.contains("warning: secret 'db_password': environment variable MYAPP_DB_PASSWORD is not set"))
        let strict = try await rollout(["lint", "-e", "production", "playbook.yml"], in: directory)
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("error: secret 'db_password'"))
    }

    @Test func offlinePlanReadsNoSecretAndShowsEachByName() async throws {
        let directory = packageRoot.appendingPathComponent("Templates/basic")
        let output = try await rollout(
            ["plan", "playbook.yml", "-e", "production", "--offline", "--var", "service=myapp-blue"], in: directory,
            environment: ["MYAPP_DB_PASSWORD": "hunter2-db-password"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(!output.stdout.contains("hunter2-db-password"))
        #expect(output.stdout.contains("password: <secret db_password>"), "\(output.stdout)")
        #expect(output.stdout.contains("   undo: restarts the service again, after every other undo\n"), "\(output.stdout)")
        #expect(output.stdout.contains("   undo: none (add 'undo:' with the command that reverses it)"), "\(output.stdout)")
        let unexported = try await rollout(
            ["plan", "playbook.yml", "-e", "production", "--offline", "--var", "service=myapp-blue"], in: directory, environment: [:])
        #expect(unexported.status == 0, "no secret needs to be exported: \(unexported.stderr)")
        #expect(unexported.stdout == output.stdout)
        #expect(output.stdout.contains("systemd: myapp-blue"))
        #expect(output.stdout.contains("   on: app1, app2\n"))
    }

    /// A misspelt `--var` would otherwise deploy the default in silence.
    @Test func aVarNothingReadsIsInvalidInput() async throws {
        let directory = packageRoot.appendingPathComponent("Templates/basic")
        let output = try await rollout(
            ["plan", "playbook.yml", "-e", "production", "--offline", "--var", "servce=myapp-blue"], in: directory)
        #expect(output.status == 2)
        #expect(output.stderr.contains("--var servce: no template of playbook.yml or its inventory reads 'servce'"), "\(output.stderr)")
        #expect(output.stderr.contains("did you mean 'service'?"), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }

    /// An offline plan has no step results for a report: asking for one is refused, not ignored.
    @Test(arguments: ["--junit", "--json"])
    func offlinePlanRefusesAReportFile(option: String) async throws {
        let directory = packageRoot.appendingPathComponent("Templates/basic")
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-plan-\(UUID().uuidString)")
        let output = try await rollout(["plan", "playbook.yml", "-e", "production", "--offline", option, report.path], in: directory)
        #expect(output.status == 2)
        #expect(output.stderr.contains("--offline contacts no host, so there is nothing to write"), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: report.path))
    }

    /// `plan` is `run --check`: a step that would fail makes it exit 1, as README's table says.
    @Test func planHelpListsEveryExitStatusPlanUses() async throws {
        let output = try await rollout(["plan", "--help"], in: packageRoot)
        let help = output.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("Exit status: 0 the plan was made · 1 a step would fail"), "\(output.stdout)")
        #expect(help.contains("5 a host could not be reached · 130 interrupted."), "\(output.stdout)")
    }

    @Test func lintHelpNamesTheValueOfE() async throws {
        let output = try await rollout(["lint", "--help"], in: packageRoot)
        #expect(output.stdout.contains("[-e <environment>]"), "\(output.stdout)")
        #expect(!output.stdout.contains("<e>"), "\(output.stdout)")
    }
}
