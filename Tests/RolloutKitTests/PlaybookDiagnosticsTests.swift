import Foundation
import RolloutKit
import Testing

/// One test per diagnostic: each asserts the exact line, column and suggestion a user sees.
@Suite struct PlaybookDiagnosticsTests {
    private func playbook(_ steps: String, head: String = "") throws -> PlaybookFixture {
        try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            vars:
              app_dir: /opt/app
            \(head)steps:
            \(steps)
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
    }

    private func expect(
        _ diagnostic: Diagnostic?, at location: FileLocation, suggestion: String? = nil,
        severity: Diagnostic.Severity = .error, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        guard let diagnostic else {
            Issue.record("expected a diagnostic at \(location)", sourceLocation: sourceLocation)
            return
        }
        #expect(diagnostic.location == location, sourceLocation: sourceLocation)
        #expect(diagnostic.suggestion == suggestion, sourceLocation: sourceLocation)
        #expect(diagnostic.severity == severity, sourceLocation: sourceLocation)
    }

    @Test func yamlSyntaxErrorIsReportedAtItsPosition() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            steps:
              - shell: "echo hi
            1️⃣
            """
        ])
        let result = fixture.load()
        #expect(result.diagnostics.all.count == 1)
        let diagnostic = try #require(result.diagnostics.first(containing: "YAML syntax"))
        expect(diagnostic, at: fixture["1️⃣"])
    }

    /// libyaml reports an unterminated quote at the end of the file; the message names the
    /// line where the quote opened.
    @Test func anUnterminatedQuoteNamesWhereItOpened() throws {
        let fixture = try PlaybookFixture(["deploy.yml": "name: demo\nsteps:\n  - shell: \"echo hi\n  - shell: make\n"])
        let diagnostic = try #require(fixture.load().diagnostics.first(containing: "YAML syntax"))
        #expect(diagnostic.message.hasSuffix("(while scanning a quoted scalar that starts at line 3, column 12)"), "\(diagnostic.message)")
    }

    @Test func aTabIndentingALineIsNamedAsSuch() throws {
        let fixture = try PlaybookFixture(["deploy.yml": "name: demo\nsteps:\n1️⃣\t- shell: make\n"])
        let diagnostics = fixture.load().diagnostics
        let diagnostic = try #require(diagnostics.first(containing: "YAML syntax"))
        expect(diagnostic, at: fixture["1️⃣"])
        #expect(diagnostic.message.hasSuffix("; YAML indents with spaces, never tabs"), "\(diagnostic.message)")
    }

    @Test func unknownTopLevelKeySuggestsTheRightOne() throws {
        let fixture = try playbook("  - shell: make\n", head: "1️⃣forsk: 5\n")
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "unknown key 'forsk' in the playbook"), at: fixture["1️⃣"], suggestion: "forks")
    }

    @Test func unknownStepOptionSuggestsTheRightOne() throws {
        let fixture = try playbook(
            """
              - shell: make
                1️⃣cdw: /tmp
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "unknown key 'cdw'"), at: fixture["1️⃣"], suggestion: "cwd")
    }

    @Test func durationThatIsNotOneIsReported() throws {
        let fixture = try playbook(
            """
              - shell: make
                timeout: 1️⃣abc
              - shell: make
                timeout: 2️⃣30
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "found 'abc'"), at: fixture["1️⃣"])
        let bare = try #require(result.diagnostics.first(containing: "found '30'"))
        expect(bare, at: fixture["2️⃣"])
        #expect(bare.message.contains("add a unit: 30s"))
    }

    /// A step, check or connection given no time at all fails every time it runs.
    @Test func aTimeoutOfNoTimeIsReported() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": "name: demo\ninventory: inventory.yml\nsteps:\n  - shell: make\n    timeout: 1️⃣0s\n  - check: checks.yml\n",
            "checks.yml": "base_url: http://127.0.0.1\ndefaults: { timeout: 2️⃣0ms }\nchecks:\n  - { request: GET /, timeout: 3️⃣0m }\n",
            "inventory.yml": "environments:\n  staging:\n    hosts:\n      web1: { address: 127.0.0.1 }\nssh: { connect_timeout: 4️⃣0s }\n",
        ])
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.all.count == 4, "\(diagnostics.rendered())")
        for marker in ["1️⃣", "2️⃣", "3️⃣", "4️⃣"] {
            let diagnostic = diagnostics.all.first { $0.location == fixture[marker] }
            expect(diagnostic, at: fixture[marker])
            #expect(diagnostic?.message.contains("must be longer than 0s") == true)
        }
    }

    @Test func retriesThatIsNotANumberIsReported() throws {
        let fixture = try playbook(
            """
              - shell: make
                retries: 1️⃣many
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "'retries' must be a whole number, found 'many'"), at: fixture["1️⃣"])
    }

    @Test func duplicateKeyIsReportedAtTheSecondOne() throws {
        let fixture = try playbook(
            """
              - shell: make
                cwd: /a
                1️⃣cwd: /b
            """)
        let result = fixture.load()
        let diagnostic = try #require(result.diagnostics.first(containing: "'cwd' is given twice"))
        expect(diagnostic, at: fixture["1️⃣"])
    }

    @Test func unknownStepKindSuggestsTheClosestKind() throws {
        let fixture = try playbook(
            """
              - name: Restart
                1️⃣restart_servce: { systemd: app }
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "unknown step kind 'restart_servce'"), at: fixture["1️⃣"], suggestion: "restart_service")
    }

    @Test func undefinedGroupInOnSuggestsAGroup() throws {
        let fixture = try playbook(
            """
              - shell: make
                on: 1️⃣dbb
              - shell: make
                on: [app, 2️⃣web2]
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "'dbb' in 'on:'"), at: fixture["1️⃣"], suggestion: "db")
        expect(result.diagnostics.first(containing: "'web2' in 'on:'"), at: fixture["2️⃣"], suggestion: "web1")
    }

    /// A wrong `on:` used to hide every other mistake of the step: it ran on no host, so its
    /// templates were never checked.
    @Test func aWrongOnStillReportsTheStepsUndefinedVariables() throws {
        let fixture = try playbook(
            """
              - shell: echo 2️⃣{{ app_dri }}
                on: 1️⃣dbb
            """)
        let result = fixture.lint(["deploy.yml"])
        expect(result.first(containing: "'dbb' in 'on:'"), at: fixture["1️⃣"], suggestion: "db")
        expect(result.first(containing: "undefined variable 'app_dri'"), at: fixture["2️⃣"], suggestion: "app_dir")
    }

    /// A literal .env value that sh and python-dotenv would read differently is a lint error,
    /// not a surprise during the deploy.
    @Test func anEnvValueNoQuotingCarriesIsReportedByLint() throws {
        let fixture = try playbook(
            """
              - set_env:
                  file: /opt/app/.env
                  1️⃣values: { PRICE: "it's $5", NAME: "it's fine" }
            """)
        let result = fixture.lint(["deploy.yml"])
        #expect(result.errors.count == 1, "\(result.rendered())")
        let diagnostic = result.first(containing: "cannot write the value for PRICE")
        expect(diagnostic, at: fixture["1️⃣"])
        #expect(diagnostic?.message.contains("python-dotenv and sh (or docker compose) would read different values") == true)
    }

    @Test func groupMissingFromTheChosenEnvironmentIsReported() throws {
        let fixture = try playbook(
            """
              - shell: make
                on: 1️⃣app2
            """)
        #expect(!fixture.load().diagnostics.hasErrors)
        let result = fixture.load(environment: "staging")
        expect(result.diagnostics.first(containing: "matches no host in environment 'staging'"), at: fixture["1️⃣"])
    }

    @Test func environmentWithNoHostsIsReported() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": """
            environments:
              1️⃣staging:
                vars: { base_url: x }
              production:
                hosts:
                  app1: { address: 203.0.113.10 }
            """
        ])
        let diagnostics = fixture.lint(["inventory.yml"])
        expect(diagnostics.first(containing: "environment 'staging' has no hosts"), at: fixture["1️⃣"])
        #expect(diagnostics.all.count == 1)
    }

    @Test func hostKeyCheckingOffIsRefusedWithTheReason() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": """
            environments:
              staging:
                hosts:
                  web1: { address: 127.0.0.1, trasport: local }
            ssh: { host_key_checking: 1️⃣off }
            """
        ])
        let diagnostics = fixture.lint(["inventory.yml"])
        let off = try #require(diagnostics.first(containing: "cannot be turned off"))
        expect(off, at: fixture["1️⃣"])
        #expect(off.message.contains("accept-new"))
        #expect(diagnostics.first(containing: "unknown key 'trasport'")?.suggestion == "transport")
    }

    @Test func undefinedVariableSuggestsTheClosestName() throws {
        let fixture = try playbook(
            """
              - shell: make
                cwd: "{{ app_dir }}/src/1️⃣{{ app_dri }}"
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "undefined variable 'app_dri'"), at: fixture["1️⃣"], suggestion: "app_dir")
        #expect(result.diagnostics.all.count == 1)
    }

    @Test func undefinedVariableInABlockScalarIsLocatedOnItsLine() throws {
        let fixture = try playbook(
            """
              - shell: |
                  cd /srv
                  echo ${HOME} $PATH 1️⃣{{ base_ulr }}
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "undefined variable 'base_ulr'"), at: fixture["1️⃣"], suggestion: "base_url")
    }

    @Test func resultRegisteredByALaterStepIsReported() throws {
        let fixture = try playbook(
            """
              - shell: echo 1️⃣{{ rev.stdout }}
              - shell: git rev-parse HEAD
                register: rev
              - shell: echo {{ rev.stdout }} 2️⃣{{ rev.stdotu }}
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "registered by a later step"), at: fixture["1️⃣"])
        expect(result.diagnostics.first(containing: "no field 'stdotu'"), at: fixture["2️⃣"], suggestion: "stdout")
        #expect(result.diagnostics.errors.count == 2)
    }

    @Test func aCheckStepRegistersItsCapturesButNeverASecretOne() throws {
        let fixture = try playbook(
            """
              - register: checkout
                check:
                  base_url: http://127.0.0.1:9
                  checks:
                    - request: POST /billing/subscribe/team
                      capture:
                        oid: { json: $.merchant_oid }
                        session: { cookie: session, secret: true }
              - shell: echo {{ checkout.oid }} {{ checkout.passed }} 1️⃣{{ checkout.session }}
            """)
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "no field 'session'"), at: fixture["1️⃣"])
        #expect(result.diagnostics.errors.count == 1)
    }

    @Test func secretFromAnUnsetEnvironmentVariableIsReported() throws {
        let fixture = try playbook("  - shell: make\n", head: "secrets:\n  key: { env: 1️⃣PAYTR_KEY }\n")
        let result = fixture.load(env: [:])
        expect(result.diagnostics.first(containing: "secret 'key': environment variable PAYTR_KEY is not set"), at: fixture["1️⃣"])
        let lenient = fixture.load(env: [:], lenient: true)
        expect(lenient.diagnostics.first(containing: "PAYTR_KEY"), at: fixture["1️⃣"], severity: .warning)
        #expect(fixture.load(env: ["PAYTR_KEY": "paytr-key"]).diagnostics.all.isEmpty)
    }

    @Test func secretFromAMissingFileIsReported() throws {
        let fixture = try playbook("  - shell: make\n", head: "secrets:\n  salt: { file: 1️⃣~/missing/salt }\n")
        let result = fixture.load()
        expect(result.diagnostics.first(containing: "secret 'salt': file ~/missing/salt does not exist"), at: fixture["1️⃣"])
    }

    @Test func secretFromAnEmptyFileIsReported() throws {
        var fixture = try playbook("  - shell: make\n", head: "secrets:\n  salt: { file: 1️⃣~/salt }\n")
        try Data("\n".utf8).write(to: fixture.url("salt"))
        expect(fixture.load().diagnostics.first(containing: "file ~/salt is empty"), at: fixture["1️⃣"])
        fixture = try playbook("  - shell: make\n", head: "secrets:\n  salt: { file: ~/salt }\n")
        try Data("pepper\n".utf8).write(to: fixture.url("salt"))
        let result = fixture.load()
        #expect(result.diagnostics.all.isEmpty)
        #expect(result.secrets["salt"]?.revealedForTransport == "pepper")
    }

    @Test func undeclaredSecretSuggestsADeclaredOne() throws {
        let fixture = try playbook("  - shell: echo 1️⃣{{ secrets.paytr_kye }}\n", head: "secrets:\n  paytr_key: { env: K }\n")
        let result = fixture.load(env: ["K": "v"])
        expect(result.diagnostics.first(containing: "undefined secret 'paytr_kye'"), at: fixture["1️⃣"], suggestion: "paytr_key")
    }

    @Test func includeCycleIsReportedAtTheIncludeThatClosesIt() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            steps:
              - include: steps/a.yml
            """,
            "steps/a.yml": """
            - shell: echo a
            - include: b.yml
            """,
            "steps/b.yml": """
            - shell: echo b
            - include: 1️⃣a.yml
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let result = fixture.load()
        let diagnostic = try #require(result.diagnostics.first(containing: "include cycle"))
        #expect(diagnostic.message.contains("a.yml → b.yml → a.yml"))
        #expect(diagnostic.location == FileLocation(file: "steps/b.yml", line: fixture["1️⃣"].line, column: fixture["1️⃣"].column))
        #expect(result.loaded?.playbook.steps.map(\.name) == ["shell: echo a", "shell: echo b"])
    }

    @Test func migrationWithoutBackupOrUndoIsAWarning() throws {
        let fixture = try playbook(
            """
              1️⃣- migrate: flask db upgrade
              - migrate: { run: alembic upgrade head, undo: alembic downgrade -1 }
              - backup_database: { database: app }
              - migrate: flask db upgrade
            """)
        let result = fixture.load()
        #expect(!result.diagnostics.hasErrors)
        #expect(result.diagnostics.warnings.count == 1)
        let warning = try #require(result.diagnostics.first(containing: "migration cannot be undone"))
        expect(warning, at: fixture["1️⃣"].advanced(by: 2), severity: .warning)
    }

    @Test func expectTablesWithNoDatabaseToLookInIsAnError() throws {
        let fixture = try playbook(
            """
              1️⃣- migrate: { run: flask db upgrade, undo: flask db downgrade, expect_tables: [payments] }
              - migrate: { run: flask db upgrade, undo: flask db downgrade, expect_tables: [payments], database: app }
              - backup_database: { database: app }
              - migrate: { run: flask db upgrade, expect_tables: [payments] }
            """)
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.errors.count == 1)
        let error = try #require(diagnostics.first(containing: "'expect_tables' needs a database to look in"))
        expect(error, at: fixture["1️⃣"].advanced(by: 2))
    }

    @Test func fourDifferentMistakesAreAllReportedInOneRun() throws {
        let fixture = try playbook(
            """
              - 1️⃣nmae: Update the code
                git: { dir: "{{ app_dir }}", ref: origin/main }
              - 2️⃣shel: make
              - shell: ls 3️⃣{{ ap_dir }}
              - shell: make
                on: 4️⃣dbs
            """)
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.errors.count == 4)
        expect(diagnostics.first(containing: "unknown key 'nmae'"), at: fixture["1️⃣"], suggestion: "name")
        expect(diagnostics.first(containing: "unknown step kind 'shel'"), at: fixture["2️⃣"], suggestion: "shell")
        expect(diagnostics.first(containing: "undefined variable 'ap_dir'"), at: fixture["3️⃣"], suggestion: "app_dir")
        expect(diagnostics.first(containing: "'dbs' in 'on:'"), at: fixture["4️⃣"], suggestion: "db")
    }

    @Test func renderedDiagnosticShowsTheLineAndACaret() throws {
        let fixture = try playbook("  - shell: make\n    timeout: abc\n")
        let rendered = fixture.load().diagnostics.rendered()
        #expect(
            rendered == """
                deploy.yml:7:14: error: 'timeout' must be a duration like 500ms, 30s, 5m or 1h, found 'abc'
                        timeout: abc
                                 ^
                1 error, 0 warnings
                """)
    }

    @Test func missingRequiredOptionNamesIt() throws {
        let fixture = try playbook("  - 1️⃣git: { dir: /opt/app }\n")
        let diagnostic = try #require(fixture.load().diagnostics.first(containing: "needs 'ref'"))
        expect(diagnostic, at: fixture["1️⃣"])
    }

    @Test func checkSuiteMistakesAreLocated() throws {
        let fixture = try PlaybookFixture([
            "checks.yml": """
            base_url: http://127.0.0.1:8080
            checks:
              - { request: 1️⃣GTE /health }
              - { request: GET /a, expect: { staus: 200 } }
              - { request: GET /b, expect: { header: { Location: 2️⃣"~ (unclosed" } } }
            """
        ])
        let diagnostics = fixture.lint(["checks.yml"])
        expect(diagnostics.first(containing: "'GTE' is not an HTTP method"), at: fixture["1️⃣"], suggestion: "GET")
        #expect(diagnostics.first(containing: "unknown key 'staus'")?.suggestion == "status")
        expect(diagnostics.first(containing: "not a valid regular expression"), at: fixture["2️⃣"])
    }

    @Test func misspeltRequiredOptionIsOneMessageNotTwo() throws {
        let fixture = try playbook("  - backup_database: { 1️⃣databse: app }\n")
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.all.count == 1)
        expect(diagnostics.first(containing: "unknown key 'databse'"), at: fixture["1️⃣"], suggestion: "database")
    }

    @Test func variableDefinedOnlyForSomeHostsNamesTheHostMissingIt() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            steps:
              - shell: echo 1️⃣{{ workers }}
            """,
            "inventory.yml": """
            environments:
              production:
                hosts:
                  app1: { address: 203.0.113.10, vars: { workers: "4" } }
                  app2: { address: 203.0.113.11 }
            """,
        ])
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.all.count == 1)
        let diagnostic = try #require(diagnostics.first(containing: "undefined variable 'workers' for host 'app2' in environment 'production'"))
        expect(diagnostic, at: fixture["1️⃣"])
    }

    @Test func relativeCheckPathsNeedABaseURLFromTheSuiteOrTheStep() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            steps:
              - check: { suite: checks.yml, base_url: "{{ base_url }}" }
              - check: checks.yml
            """,
            "checks.yml": "checks:\n  - { request: GET 1️⃣/health }\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.all.count == 1)
        let diagnostic = try #require(diagnostics.first(containing: "'/health' is relative but the suite has no 'base_url'"))
        #expect(diagnostic.location == FileLocation(file: "checks.yml", line: fixture["1️⃣"].line, column: fixture["1️⃣"].column))
    }

    @Test func secretFileThatIsADirectoryIsReported() throws {
        let fixture = try playbook("  - shell: make\n", head: "secrets:\n  salt: { file: 1️⃣~/keys }\n")
        try FileManager.default.createDirectory(at: fixture.url("keys"), withIntermediateDirectories: true)
        expect(fixture.load().diagnostics.first(containing: "secret 'salt': ~/keys is a directory"), at: fixture["1️⃣"])
    }

    /// The name is a directory on every host (`~/.rollout/NAME`): it must not lead out of it.
    @Test(arguments: ["\"../../escape\"", "\"a b/../c\"", ".hidden", "a/b", "\"..\""])
    func aNameThatIsNotOnePathComponentIsRefused(name: String) throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": "name: 1️⃣\(name)\ninventory: inventory.yml\nsteps:\n  - shell: make\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.all.count == 1, "\(diagnostics.rendered())")
        expect(diagnostics.first(containing: "may only have letters, digits, '-', '_' and '.'"), at: fixture["1️⃣"])
    }

    @Test(arguments: ["youarecoder-billing", "myapp", "api_v2.1", "2024-app"])
    func aPlainNameIsAccepted(name: String) throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": "name: \(name)\ninventory: inventory.yml\nsteps:\n  - shell: make\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
        #expect(fixture.load().diagnostics.all.isEmpty)
    }

    /// A key given twice anywhere: YAML forbids it, libyaml takes it, and a plan used to show both
    /// values while the run used the first.
    @Test(arguments: [
        "  - shell:\n      run: echo FIRST\n      1️⃣run: echo SECOND\n",
        "  - shell: { run: echo FIRST, 1️⃣run: echo SECOND }\n",
        "  - shell: make\n    name: x\n    1️⃣name: y\n",
        "  - http: { request: POST http://127.0.0.1/hooks, json: { amount: 1, 1️⃣amount: 2 } }\n",
    ])
    func aKeyGivenTwiceInAStepIsReportedAtTheSecond(steps: String) throws {
        let fixture = try playbook(steps)
        let diagnostics = fixture.load().diagnostics
        #expect(diagnostics.all.count == 1, "\(diagnostics.rendered())")
        let diagnostic = try #require(diagnostics.first(containing: "is given twice in this mapping"), "\(diagnostics.rendered())")
        expect(diagnostic, at: fixture["1️⃣"])
    }

    @Test(arguments: [
        (
            "inventory.yml",
            "environments:\n  staging:\n    hosts:\n      web1: { address: 127.0.0.1, 1️⃣address: 10.0.0.1 }\n"
        ),
        (
            "inventory.yml",
            "environments:\n  staging:\n    groups:\n      app: { vars: {} }\n      1️⃣app: { vars: {} }\n    hosts:\n      web1: { address: local }\n"
        ),
        ("checks.yml", "checks:\n  - request: GET http://127.0.0.1/health\n    expect: { status: 200, 1️⃣status: 500 }\n"),
    ])
    func aKeyGivenTwiceInAnInventoryOrCheckSuiteIsReported(file: String, text: String) throws {
        let fixture = try PlaybookFixture([file: text])
        let diagnostics = fixture.lint([file])
        #expect(diagnostics.all.count == 1, "\(diagnostics.rendered())")
        let diagnostic = try #require(diagnostics.first(containing: "is given twice in this mapping"), "\(diagnostics.rendered())")
        expect(diagnostic, at: fixture["1️⃣"])
    }

    /// A key file missing here failed only at connect time (exit 5) with no line to fix.
    @Test func aMissingSSHKeyIsAnErrorAtItsInventoryLineForACommandThatConnects() throws {
        let inventory = PlaybookFixture.inventory.replacingOccurrences(
            of: "ssh: { host_key_checking: strict }", with: "ssh:\n  1️⃣identity: keys/id_ed25519\n  host_key_checking: strict")
        let fixture = try PlaybookFixture([
            "deploy.yml": "name: demo\ninventory: inventory.yml\nsteps:\n  - shell: make\n",
            "inventory.yml": inventory,
        ])
        func load(connects: Bool) -> Diagnostics {
            PlaybookLoader(
                environmentName: "production", connects: connects,
                resolver: SecretResolver(environment: [:], homeDirectory: fixture.directory.path)
            ).load(fixture.url("deploy.yml"), name: "deploy.yml").diagnostics
        }
        #expect(load(connects: false).all.isEmpty, "lint and plan --offline connect nowhere")
        let diagnostics = load(connects: true)
        #expect(diagnostics.all.count == 1, "\(diagnostics.rendered())")
        let diagnostic = diagnostics.first(containing: "ssh identity keys/id_ed25519 (\(fixture.directory.path)/keys/id_ed25519) does not exist")
        expect(diagnostic, at: fixture["1️⃣"])

        try FileManager.default.createDirectory(at: fixture.url("keys"), withIntermediateDirectories: true)
        try Data("key".utf8).write(to: fixture.url("keys/id_ed25519"))
        #expect(load(connects: true).all.isEmpty)
    }
}
