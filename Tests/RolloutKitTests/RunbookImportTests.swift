import Foundation
import RolloutKit
import TestSupport
import Testing

/// `rollout import` on the project's five runbooks and on runbooks written in other styles
/// (docker compose + alembic + nginx, a Django checklist): each draft must lint, cite its
/// source line on every step, keep every secret out of the files, and contain the steps a
/// reader of the runbook would expect (golden expectations per fixture, not byte-for-byte YAML).
@Suite struct RunbookImportTests {
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/runbooks")

    /// Every fixture, with the values of its runbook that must never reach the draft.
    static let secretValues: [String: [String]] = [
        "youarecoder-deploy-guide.md": ["your_production_merchant_key", "your_production_merchant_salt", "your_test_merchant_key"],
        "youarecoder-deploy-report.md": ["<redacted password>", "<live_merchant_key>", "<live_merchant_salt>"],
        "mentor-payments-stripe.md": ["sk_live_YOUR_ACTUAL_KEY_HERE", "whsec_YOUR_ACTUAL_SECRET_HERE", "user:password@", "your-jwt-secret-key"],
        "youarecoder-master-plan.md": ["<production_key>", "<production_salt>"],
        "strategies-stripe-subscriptions.md": [
            "<your-stripe-secret-key>", "<your-webhook-signing-secret>", "<your-jwt-secret>", "<your-jwt-token>", "<password>@",
        ],
        "shipyard-compose-alembic.md": ["AKIAEXAMPLEEXAMPLE", "wJalrXUtnFEMI", "0123456789abcdef@"],
        // Spelled in two parts so that no live-key pattern stands in the sources; the fixture has it whole.
        "ledger-django-checklist.md": ["s3cr3t-pw", "sk_" + "live_51Habcdefghijklmnop"],
    ]

    static func draft(_ name: String) throws -> Draft {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        return RunbookImporter().draft(text, runbookName: name)
    }

    /// Writes the draft of `name` into a fresh directory and returns the directory.
    static func written(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in DraftWriter.files(try draft(name)) {
            try Data(file.text.utf8).write(to: directory.appendingPathComponent(file.name))
        }
        return directory
    }

    @Test(arguments: secretValues.keys.sorted())
    func draftLintsCitesItsSourcesAndKeepsSecretsOut(_ name: String) throws {
        let directory = try Self.written(name)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let diagnostics = Linter(baseDirectory: directory).lint(files)
        #expect(!diagnostics.hasErrors, "\(name): \(diagnostics.rendered())")

        let draft = try Self.draft(name)
        #expect(draft.steps.count >= 1)
        for step in draft.steps {
            #expect(!step.sources.isEmpty, "\(name): a \(step.kind) step without a source line")
        }
        let playbook = try String(contentsOf: directory.appendingPathComponent("deploy.yml"), encoding: .utf8)
        let lines = playbook.split(separator: "\n", omittingEmptySubsequences: false)
        let stepLines = lines.enumerated().filter { $0.element.hasPrefix("  - ") }
        for (index, _) in stepLines {
            let above = lines[..<index].reversed().prefix { $0.hasPrefix("  #") }
            #expect(above.contains { $0.contains("\(name):") }, "\(name): step at line \(index + 1) has no source comment")
        }
        let everything = try files.map { try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }.joined()
        for secret in Self.secretValues[name] ?? [] {
            #expect(!everything.contains(secret), "\(name): '\(secret)' was copied into the draft")
        }
    }

    func step(_ draft: Draft, _ kind: String) throws -> Draft.Step {
        try #require(draft.steps(kind).first, "no \(kind) step in \(draft.steps.map(\.kind))")
    }

    func text(_ step: Draft.Step, _ key: String) -> String? { step.option(key)?.text }

    func envKeys(_ step: Draft.Step) -> [String] {
        if case .map(let entries) = step.option("values") { return entries.map(\.key) }
        return []
    }

    @Test func youarecoderGuide() throws {
        let draft = try Self.draft("youarecoder-deploy-guide.md")
        #expect(draft.steps.map(\.kind) == ["backup_database", "migrate", "git", "shell", "set_env", "restart_service", "check"])
        let backup = try step(draft, "backup_database")
        #expect(text(backup, "database") == "youarecoder")
        #expect(text(backup, "user") == "youarecoder_user")
        let migrate = try step(draft, "migrate")
        #expect(text(migrate, "run") == "/opt/youarecoder/venv/bin/flask db upgrade")
        #expect(migrate.option("expect_tables") == .list([.text("subscriptions"), .text("payments"), .text("invoices")]))
        #expect(migrate.notes.contains { $0.hasPrefix("undo: rollout restores the database from the backup above") })
        let git = try step(draft, "git")
        #expect(text(git, "dir") == "/opt/youarecoder")
        #expect(text(git, "ref") == "origin/main")
        #expect(git.sources.count == 2, "both 'git pull origin main' lines")
        #expect(text(try step(draft, "shell"), "run") == "venv/bin/pip install -r requirements.txt")
        let env = try step(draft, "set_env")
        #expect(text(env, "file") == "/opt/youarecoder/.env")
        #expect(
            envKeys(env) == ["PAYTR_MERCHANT_ID", "PAYTR_MERCHANT_KEY", "PAYTR_MERCHANT_SALT", "PAYTR_TEST_MODE", "PAYTR_TIMEOUT_LIMIT", "BASE_URL"])
        #expect(env.option("values")?["PAYTR_MERCHANT_KEY"] == .text("{{ secrets.paytr_merchant_key }}"))
        #expect(env.option("values")?["PAYTR_TEST_MODE"] == .text("0"))
        let restart = try step(draft, "restart_service")
        #expect(text(restart, "systemd") == "youarecoder")
        #expect(restart.option("sudo") == .bool(true))
        #expect(draft.checks.map { "\($0.method) \($0.path) \($0.status)" } == ["HEAD /health 200"])
        #expect(draft.baseURL == "https://youarecoder.com")
        #expect(draft.hostAddress == "37.27.21.167")
        #expect(draft.rollbackNotes.count >= 3)
    }

    @Test func youarecoderReportGivesOneCheckPerEndpointTableRow() throws {
        let draft = try Self.draft("youarecoder-deploy-report.md")
        #expect(
            draft.checks.map { "\($0.method) \($0.path) \($0.status)" } == [
                "GET /billing/ 302", "GET /billing/payment/success 200", "GET /billing/payment/fail 200", "POST /billing/callback 400",
                "POST /billing/subscribe/starter 302", "POST /billing/subscribe/team 302", "POST /billing/subscribe/enterprise 302",
            ])
        #expect(draft.checks[3].sources.count >= 2, "the table row and the curl line that sends an invalid hash")
        #expect(draft.checks[3].form.map(\.key) == ["merchant_oid", "status", "hash"])
        #expect(text(try step(draft, "shell"), "run") == "venv/bin/pip install requests flask-migrate")
        #expect(text(try step(draft, "restart_service"), "systemd") == "youarecoder")
        #expect(envKeys(try step(draft, "set_env")) == ["PAYTR_MERCHANT_ID", "PAYTR_MERCHANT_KEY", "PAYTR_MERCHANT_SALT", "PAYTR_TEST_MODE"])
        #expect(draft.todos.contains { $0.reason.hasPrefix("python code") }, "db.create_all() has no step")
        #expect(draft.todos.contains { $0.source.quote.contains("sshpass -p ***") })
    }

    @Test func mentorPaymentsStripe() throws {
        let draft = try Self.draft("mentor-payments-stripe.md")
        let backup = try step(draft, "backup_database")
        #expect(text(backup, "database") == "mentor_db")
        #expect(text(try step(draft, "git"), "ref") == "origin/main")
        #expect(draft.steps("shell").compactMap { text($0, "run") }.contains("pip install -r requirements.txt"))
        #expect(draft.steps("restart_service").count == 1, "pm2 and docker are alternatives to the systemd restart")
        #expect(text(try step(draft, "restart_service"), "systemd") == "mentor-platform-backend")
        let env = try step(draft, "set_env")
        #expect(envKeys(env) == ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "SECRET_KEY", "FRONTEND_URL"])
        #expect(env.option("values")?["DATABASE_URL"] == .text("{{ secrets.database_url }}"))
        #expect(env.option("values")?["FRONTEND_URL"] == .text("https://yourfrontend.com"))
        #expect(draft.steps("sql").count == 3)
    }

    @Test func strategiesAlembicMigrationUndoesWithItsDowngrade() throws {
        let draft = try Self.draft("strategies-stripe-subscriptions.md")
        let migrate = try step(draft, "migrate")
        #expect(text(migrate, "run") == "alembic upgrade head")
        #expect(text(migrate, "cwd") == "{{ app_dir }}/apps/api")
        #expect(text(migrate, "undo") == "alembic downgrade -1")
        #expect(draft.steps("shell").compactMap { text($0, "run") }.contains("python scripts/seed_plans.py"))
        #expect(envKeys(try step(draft, "set_env")).contains("STRIPE_PRICE_PRO_YEARLY"))
        #expect(
            draft.checks.map { "\($0.method) \($0.path)" } == [
                "POST /api/v1/billing/checkout", "GET /api/v1/billing/subscription", "POST /api/v1/billing/portal", "POST /api/v1/billing/cancel",
            ])
        #expect(draft.checks[0].headers.first { $0.key == "Authorization" }?.value == .text("Bearer {{ secrets.jwt_token }}"))
        #expect(draft.checks[0].body?.contains("\"plan_name\": \"pro\"") == true, "the JSON body over several lines is one argument")
        #expect(!draft.todos.contains { $0.source.quote.contains("plan_name") })
        let env = try step(draft, "set_env")
        #expect(env.option("values")?["ACCESS_TOKEN_EXPIRE_MINUTES"] == .text("15"), "a token's lifetime is not a secret")
        #expect(env.option("values")?["REDIS_URL"] == .text("{{ secrets.redis_url }}"), "a value with <placeholders> comes from the environment")
        #expect(draft.steps("sql").count == 2)
    }

    @Test func masterPlanGivesItsEnvironmentBlock() throws {
        let draft = try Self.draft("youarecoder-master-plan.md")
        let env = try step(draft, "set_env")
        #expect(envKeys(env).contains("MAIL_PASSWORD"))
        #expect(env.option("values")?["MAIL_PASSWORD"] == .text("{{ secrets.mail_password }}"))
        #expect(env.option("values")?["MAIL_SERVER"] == .text("in-v3.mailjet.com"))
    }

    @Test func composeRunbookWithAlembicAndNginx() throws {
        let draft = try Self.draft("shipyard-compose-alembic.md")
        #expect(text(try step(draft, "backup_database"), "database") == "shipyard")
        let git = try step(draft, "git")
        #expect(text(git, "ref") == "v2.4.0")
        #expect(git.sources.count == 2, "git fetch and git checkout")
        let migrate = try step(draft, "migrate")
        #expect(text(migrate, "run") == "docker compose run --rm api alembic upgrade head")
        #expect(text(migrate, "undo") == "docker compose run --rm api alembic downgrade -1")
        let env = try step(draft, "set_env")
        #expect(text(env, "file") == "/srv/shipyard/.env")
        #expect(env.option("values")?["AWS_SECRET_ACCESS_KEY"] == .text("{{ secrets.aws_secret_access_key }}"))
        #expect(env.option("values")?["S3_BUCKET"] == .text("shipyard-prod-uploads"))
        #expect(
            draft.steps("restart_service").compactMap { $0.options.first.map { "\($0.key)=\($0.value.text ?? "")" } } == [
                "docker_compose=api", "systemd=nginx",
            ])
        #expect(draft.steps("shell").contains { $0.option("read_only") == .bool(true) }, "nginx -t changes nothing")
        #expect(
            draft.checks.map { "\($0.method) \($0.path) \($0.status)" } == [
                "GET /healthz 200", "GET /v1/ships 401", "POST /v1/ships 401", "GET /docs 200", "GET /v1/ships 200",
            ])
        #expect(draft.hostAddress == "10.20.0.15")
    }

    @Test func djangoChecklist() throws {
        let draft = try Self.draft("ledger-django-checklist.md")
        #expect(text(try step(draft, "backup_database"), "database") == "ledger")
        #expect(text(try step(draft, "git"), "ref") == "origin/release")
        let runs = draft.steps("shell").compactMap { text($0, "run") }
        #expect(runs.contains(".venv/bin/pip install -r requirements/production.txt"))
        #expect(runs.contains("npm run build"))
        let migrate = try step(draft, "migrate")
        #expect(text(migrate, "undo") == ".venv/bin/python manage.py migrate ledger 0041")
        #expect(text(try step(draft, "restart_service"), "supervisor") == "ledger-web")
        let env = try step(draft, "set_env")
        #expect(text(env, "file") == "/home/ops/ledger/.env")
        #expect(env.option("values")?["DJANGO_SETTINGS_MODULE"] == .text("ledger.settings.production"))
        #expect(env.option("values")?["STRIPE_API_KEY"] == .text("{{ secrets.stripe_api_key }}"))
        #expect(
            draft.checks.map { "\($0.method) \($0.path) \($0.status)" } == [
                "HEAD /healthz/ 200", "HEAD /admin/ 302", "POST /api/webhooks/stripe/ 400",
            ])
        #expect(try step(draft, "sql").option("host") == .text("db1"))
    }

    @Test func secretLookingTextIsMaskedInQuotes() {
        #expect(SecretShape.masked("sshpass -p 'hunter2' scp x root@h:") == "sshpass -p *** scp x root@h:")
        #expect(SecretShape.masked("DATABASE_URL=postgres://u:pw@db/x LOG=info") == "DATABASE_URL=*** LOG=info")
        #expect(SecretShape.masked("psql postgres://u:pw@db/x") == "psql postgres://u:***@db/x")
        #expect(SecretShape.masked("curl -H \"Authorization: Bearer abc.def\" https://x") == "curl -H \"Authorization: Bearer ***\" https://x")
    }
}
