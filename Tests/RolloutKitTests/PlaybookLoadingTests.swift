import Foundation
import RolloutKit
import TestSupport
import Testing

@Suite struct PlaybookLoadingTests {
    static let playbook = """
        # The deploy.
        name: billing
        inventory: inventory.yml
        forks: 4
        serial: 50%
        max_fail_percentage: 25
        vars:
          app_dir: /opt/billing
        secrets:
          key: { env: PAYTR_KEY }
        steps:
          - name: Back up
            on: db
            run_once: true
            register: backup
            backup_database: { database: billing, user: billing }
          - include: steps/code.yml
          - migrate:
              run: flask db upgrade
              cwd: "{{ app_dir }}"
              expect_tables: [payments]
            retries: 2
            delay: 10s
            timeout: 5m
          - set_env:
              file: "{{ app_dir }}/.env"
              values: { PAYTR_MERCHANT_KEY: "{{ secrets.key }}", BACKUP: "{{ backup.path }}" }
          - restart_service: { supervisor: billing, healthy_within: 45s, health_url: "{{ base_url }}/health" }
          - check:
              base_url: "{{ base_url }}"
              checks:
                - { request: GET /health, expect: { status: 200, max_ms: 500 } }
        rollback:
          - shell: echo rolled back {{ run.id }}
            ignore_failure: true

        """

    private func fixture(playbook: String = Self.playbook) throws -> PlaybookFixture {
        try PlaybookFixture([
            "deploy.yml": playbook,
            "steps/code.yml": "- git: { dir: \"{{ app_dir }}\", ref: origin/main }\n  register: code\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
    }

    @Test func loadsEverySettingAndStep() throws {
        let result = try fixture().load(environment: "production", env: ["PAYTR_KEY": "paytr-key"])
        #expect(result.diagnostics.all.isEmpty, "\(result.diagnostics.rendered())")
        let playbook = try #require(result.loaded?.playbook)
        #expect(playbook.name == "billing")
        #expect(playbook.forks == 4)
        #expect(playbook.serial == .percent(50))
        #expect(playbook.serial?.batchSize(of: 3) == 2)
        #expect(playbook.maxFailPercentage == 25)
        #expect(playbook.stateDir.source == "~/.rollout/billing")
        #expect(playbook.steps.map(\.kind) == ["backup_database", "git", "migrate", "set_env", "restart_service", "check"])
        #expect(playbook.rollback.map(\.kind) == ["shell"])
        #expect(playbook.steps.map(\.step.mutates) == [false, true, true, true, true, false])

        let migrate = playbook.steps[2]
        #expect(migrate.retries == 2 && migrate.delay == .seconds(10) && migrate.timeout == .seconds(300))
        #expect((migrate.step as? MigrateStep)?.expectTables == ["payments"])
        #expect(migrate.name == "migrate: flask db upgrade")
        #expect(migrate.location == FileLocation(file: "deploy.yml", line: 18, column: 5))

        let restart = try #require(playbook.steps[4].step as? RestartServiceStep)
        #expect(restart.manager == .supervisor(Template(literal: "billing")))
        #expect(restart.healthyWithin == .seconds(45))

        let environment = try #require(result.loaded?.inventory?.environment("production"))
        #expect(environment.targets(of: playbook.steps[0]).map(\.name) == ["app1"])
        #expect(environment.targets(of: playbook.steps[1]).map(\.name) == ["app1", "app2"])
        #expect(result.secrets["key"]?.revealedForTransport == "paytr-key")
    }

    @Test func contentHashIgnoresCommentsAndLayoutButNotContent() throws {
        let original = try fixture().load(env: ["PAYTR_KEY": "k"]).loaded?.playbook.contentHash
        let reformatted = Self.playbook.replacingOccurrences(of: "# The deploy.", with: "# Reworded comment.")
            .replacingOccurrences(of: "forks: 4", with: "forks:    4   # fewer")
        let changed = Self.playbook.replacingOccurrences(of: "ref: origin/main", with: "ref: origin/release")
        #expect(original?.count == 64)
        #expect(try fixture(playbook: reformatted).load(env: ["PAYTR_KEY": "k"]).loaded?.playbook.contentHash == original)
        #expect(try fixture().load(env: ["PAYTR_KEY": "k"]).loaded?.playbook.contentHash == original)
        #expect(
            try fixture(playbook: Self.playbook.replacingOccurrences(of: "forks: 4", with: "forks: 5")).load(env: ["PAYTR_KEY": "k"])
                .loaded?.playbook.contentHash != original)
        // An included file's change changes the hash too.
        let included = try PlaybookFixture([
            "deploy.yml": Self.playbook,
            "steps/code.yml": "- git: { dir: \"{{ app_dir }}\", ref: origin/release }\n  register: code\n",
            "inventory.yml": PlaybookFixture.inventory,
        ])
        #expect(included.load(env: ["PAYTR_KEY": "k"]).loaded?.playbook.contentHash != original)
        _ = changed
    }

    @Test func inventoryReadsHostsGroupsAndSSHSettings() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": """
            environments:
              local:
                vars: { base_url: "http://127.0.0.1:8080" }
                groups:
                  app: { vars: { workers: "2" } }
                hosts:
                  here: { address: local, groups: [app] }
                  box: { address: 127.0.0.1, port: 2222, user: deploy, transport: openssh, vars: { tier: gold } }
            ssh:
              identity: ~/.ssh/id_ed25519
              identity_passphrase_env: KEY_PASS
              known_hosts: ~/.ssh/known_hosts
              host_key_checking: accept-new
              connect_timeout: 5s
            """
        ])
        let sink = DiagnosticSink()
        let inventory = try #require(InventoryLoader.load(fixture.url("inventory.yml"), name: "inventory.yml", sink: sink))
        #expect(sink.diagnostics.all.isEmpty)
        let environment = try #require(inventory.environment("local"))
        #expect(environment.hosts.map(\.transport) == [.local, .openssh])
        #expect(environment.hosts[1].port == 2222 && environment.hosts[1].user == "deploy")
        #expect(environment.groups["app"]?.vars.map(\.key) == ["workers"])
        #expect(inventory.ssh.hostKeyChecking == .acceptNew)
        #expect(inventory.ssh.connectTimeout == .seconds(5))
        #expect(inventory.ssh.identityPassphraseEnv == "KEY_PASS")
    }

    @Test func checkSuiteReadsRequestsAndExpectations() throws {
        let fixture = try PlaybookFixture([
            "checks.yml": """
            name: billing endpoints
            base_url: "{{ base_url }}"
            defaults: { timeout: 3s, retries: 2 }
            checks:
              - { request: GET /billing/, expect: { status: 302, header: { Location: "~ /auth/login" } } }
              - { request: POST /billing/callback, form: { merchant_oid: TEST, hash: INVALID }, expect: { status: 400 } }
              - request: POST /api
                json: { amount: 100, items: [a, b] }
                timeout: 1s
                expect: { status: [200, 201], body_contains: ok, max_ms: 500 }
            """
        ])
        let sink = DiagnosticSink()
        let suite = try #require(CheckSuiteLoader.load(fixture.url("checks.yml"), name: "checks.yml", sink: sink))
        #expect(sink.diagnostics.all.isEmpty, "\(sink.diagnostics.rendered())")
        #expect(suite.name == "billing endpoints")
        #expect(suite.checks.count == 3)
        #expect(suite.checks[0].expect.status == [302])
        #expect(suite.checks[0].expect.headers.first?.expectation == .matches("/auth/login"))
        #expect(suite.checks[0].timeout == .seconds(3) && suite.checks[0].retries == 2)
        #expect(suite.checks[0].followRedirects == false)
        if case .form(let fields) = suite.checks[1].body { #expect(fields.map(\.key) == ["merchant_oid", "hash"]) } else { Issue.record("no form") }
        #expect(suite.checks[2].timeout == .seconds(1))
        #expect(suite.checks[2].expect.status == [200, 201])
        #expect(suite.checks[2].expect.maxTime == .milliseconds(500))
    }

    @Test func everyStepKindIsRegisteredOnceWithItsOwnOptions() {
        let names = StepRegistry.names
        #expect(
            names == [
                "shell", "upload", "release", "set_env", "git", "backup_database", "migrate", "restart_service", "check",
                "callback", "sql", "wait_for", "http", "restore_database",
            ])
        #expect(Set(names).count == names.count)
        for kind in StepRegistry.kinds {
            #expect(Set(kind.optionKeys).isDisjoint(with: StepDefinition.commonKeys), "\(kind.kind)")
        }
    }

    @Test func everyStepKindDecodesItsDocumentedExample() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: all-kinds
            inventory: inventory.yml
            secrets:
              key: { env: K }
              salt: { env: S }
              whsec: { env: W }
            steps:
              - shell: { run: "make", cwd: /srv, env: { A: "1" }, expect_exit: [0, 2], stdin: "y", read_only: true }
              - upload: { content: "hello", dest: /srv/hello.txt, mode: "0640", owner: deploy }
              - release: { src: build, dir: /srv/app, keep_releases: 3 }
              - set_env: { file: /srv/.env, values: { A: "1" }, remove: [B], create: true }
              - git: { dir: /srv, ref: main, repo: "https://example.com/app.git", remote: upstream }
              - backup_database: { engine: postgres, database: app, user: app, host: 127.0.0.1, port: 5432, dir: /srv/backups, keep: 5 }
                register: backup
              - migrate: { run: alembic upgrade head, undo: alembic downgrade -1, expect_tables: [plans], database: app }
              - restart_service: { docker_compose: web, compose_file: /srv/compose.yml, healthy_within: 1m, health_url: "{{ base_url }}/health", expect_revision: "abc" }
              - restart_service: { command: "systemctl restart app", status_command: "systemctl is-active app", sudo: true }
              - check: { base_url: "{{ base_url }}", checks: [ { request: GET /health } ] }
              - callback: { paytr: { key: "{{ secrets.key }}", salt: "{{ secrets.salt }}", merchant_id: "1" }, url: "{{ base_url }}/cb", scenario: tampered, fields: { merchant_oid: T1 }, expect: { status: 400 } }
              - callback: { stripe: { secret: "{{ secrets.whsec }}", api_version: "2024-06-20" }, url: "{{ base_url }}/wh", event: charge.refunded, count: 100, concurrency: 10 }
              - sql: { query: "select count(*) from payments", database: app, expect: { value: "1" } }
              - wait_for: { tcp: "127.0.0.1:5432", within: 30s, interval: 500ms }
              - wait_for: { url: "{{ base_url }}/health", status: [200, 204] }
              - http: { request: "POST {{ base_url }}/hooks/1", headers: { Authorization: "Bearer {{ secrets.key }}" }, form: { disabled: "true" }, expect: { json: { "$.status": disabled } }, undo: { request: "POST {{ base_url }}/hooks/1", form: { disabled: "false" } } }
              - restore_database: { database: app, backup: "{{ backup.path }}" }
            """,
            "inventory.yml": PlaybookFixture.inventory,
            "build/app/main.py": "print('hi')\n",
        ])
        let result = fixture.load(env: ["K": "key-value", "S": "salt-value", "W": "whsec-value"])
        #expect(result.diagnostics.all.isEmpty, "\(result.diagnostics.rendered())")
        let steps = try #require(result.loaded?.playbook.steps)
        #expect(Set(steps.map(\.kind)) == Set(StepRegistry.names))
        #expect((steps[1].step as? UploadStep)?.mode == 0o640)
        #expect((steps[2].step as? ReleaseStep)?.keepReleases == 3)
        #expect((steps[11].step as? CallbackStep)?.count == 100)
        #expect((steps[13].step as? WaitForStep)?.interval == .milliseconds(500))
    }

    @Test func optionsBesideTheKindAndUnderItAreTheSame() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: d
            inventory: inventory.yml
            steps:
              - shell: make
                cwd: /srv
              - shell: { run: make, cwd: /srv }
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let steps = try #require(fixture.load().loaded?.playbook.steps)
        let shells = steps.compactMap { $0.step as? ShellStep }
        #expect(shells.count == 2)
        #expect(shells[0].cwd == shells[1].cwd && shells[0].run == shells[1].run)
    }

    @Test func planShowsHostsAndOptionsWithSecretsMasked() throws {
        let result = try fixture().load(environment: "production", env: ["PAYTR_KEY": "merchant-key-value"])
        let loaded = try #require(result.loaded)
        let environment = try #require(loaded.inventory?.environment("production"))
        let text = PlanText(loaded: loaded, environment: environment, secrets: result.secrets).render()
        #expect(!text.contains("merchant-key-value"))
        #expect(text.contains("PAYTR_MERCHANT_KEY: ***"))
        #expect(text.contains("BACKUP: <backup.path>"))
        #expect(text.contains("1. Back up  [backup_database, read only, run once]\n   on: app1\n"))
        #expect(text.contains("health_url: https://example.com/health"))
        #expect(text.contains("run: echo rolled back <run.id>"))
        // Every expectation, not only the status.
        #expect(text.contains("   checks:\n     - GET /health → expect status 200, max 500 ms\n"), "\(text)")
    }

    @Test func anchorsAndMergeKeysWork() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: d
            inventory: inventory.yml
            steps:
              - backup_database: &db { database: app, user: app_user }
              - sql: { <<: *db, query: select 1, expect: { value: "1" } }
              - restore_database: { <<: *db, user: postgres }
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        let result = fixture.load()
        #expect(result.diagnostics.all.isEmpty, "\(result.diagnostics.rendered())")
        let steps = try #require(result.loaded?.playbook.steps)
        #expect((steps[1].step as? SQLStep)?.connection.database.source == "app")
        #expect((steps[2].step as? RestoreDatabaseStep)?.connection.user?.source == "postgres")
    }

    @Test func planShowsOptionsPerHostWhenHostsDiffer() throws {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: d
            inventory: inventory.yml
            steps:
              - shell: echo {{ workers }} on {{ host.name }}
                when: "{{ workers }} != 0"
            """,
            "inventory.yml": """
            environments:
              production:
                vars: { workers: "2" }
                hosts:
                  app1: { address: 203.0.113.10, vars: { workers: "8" } }
                  app2: { address: 203.0.113.11 }
            """,
        ])
        let result = fixture.load(environment: "production")
        let loaded = try #require(result.loaded)
        let environment = try #require(loaded.inventory?.environment("production"))
        let text = PlanText(loaded: loaded, environment: environment, secrets: [:]).render()
        #expect(
            text.contains(
                """
                   when: {{ workers }} != 0  (runs)
                   on app1:
                     run: echo 8 on app1
                   on app2:
                     run: echo 2 on app2
                """))
    }
}
