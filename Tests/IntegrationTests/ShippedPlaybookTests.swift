import Foundation
import TestSupport
import Testing

/// The playbooks the project ships (`playbooks/*/`) lint clean, and deploy their reference apps
/// (`sandbox/<app>/`, released by `scripts/sandbox-app-repo`) to a real loopback sshd host with
/// PostgreSQL and Redis, exactly as shipped: `good` then `next` pass, and `bad-migration` fails
/// with exit 1 and leaves the database, the `.env`, the checkout and the running release as they
/// were. The Stripe playbooks disable their webhook endpoint (on a loopback server that plays
/// Stripe's API) before the undo of a failed deploy and enable it again after.
///
/// Serialized: each deploy builds a venv and runs a multi-process web server.
@Suite("shipped playbooks", .serialized)
struct ShippedPlaybookTests {
    static var postgres: PostgresTestServer {
        get async { await PostgresTestServer.shared }
    }
    static let webhookSecret = "whsec_shipped4d1c9e7a2b6f8e0d1a3c5e7b9d1f3a5c"

    @Test("every shipped playbook, inventory and check suite lints clean, without a warning")
    func lintClean() async throws {
        let manager = FileManager.default
        var files: [String] = []
        for directory in try manager.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("playbooks").path).sorted() {
            for file in ["deploy.yml", "inventory.yml"]
            where manager.fileExists(atPath: packageRoot.appendingPathComponent("playbooks/\(directory)/\(file)").path) {
                files.append("playbooks/\(directory)/\(file)")
            }
        }
        for suite in try manager.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("checks").path).sorted() where suite.hasSuffix(".yml")
        {
            files.append("checks/\(suite)")
        }
        #expect(
            files.contains("playbooks/youarecoder/deploy.yml") && files.contains("playbooks/mentor-payments/deploy.yml")
                && files.contains("playbooks/strategy-subscriptions/deploy.yml"))
        // What the deploying machine exports (dummy values): unset, each would be a warning.
        let environment = [
            "ROLLOUT_SANDBOX": "/srv/sandbox", "ROLLOUT_WHEELHOUSE": "/srv/wheelhouse",
            "PAYTR_MERCHANT_KEY": "lint-paytr-key", "PAYTR_MERCHANT_SALT": "lint-paytr-salt", "STRIPE_WEBHOOK_SECRET": "whsec_lint_secret",
            "YOUARECODER_SECRET_KEY": "lint-session-key", "YOUARECODER_OPS_PASSWORD": "lint-ops-password",
            "MENTOR_STRIPE_SECRET_KEY": "sk_test_lint_key", "MENTOR_STRIPE_WEBHOOK_SECRET": "whsec_lint_secret", "MENTOR_SECRET_KEY": "lint-jwt-key",
            "STRATEGY_STRIPE_SECRET_KEY": "sk_test_lint_key", "STRATEGY_STRIPE_WEBHOOK_SECRET": "whsec_lint_secret",
            "STRATEGY_JWT_SECRET_KEY": "lint-jwt-key", "STRATEGY_API_TOKEN": "lint-api-token",
            "SUBSCRIPTIONS_OPS_PASSWORD": "lint-ops-password",
        ]
        for file in files {
            let lint = try await RolloutCLI.run(["lint", file], in: packageRoot, environment: environment)
            #expect(lint.status == 0 && !lint.all.contains("warning"), "\(file): exit \(lint.status)\n\(lint.all)")
        }
        for app in ["youarecoder", "mentor-payments", "strategy-subscriptions"] {
            for environment in ["staging", "production"] {
                let plan = try await RolloutCLI.run(["plan", "playbooks/\(app)/deploy.yml", "-e", environment, "--offline"], in: packageRoot)
                #expect(plan.status == 0, "\(app) -e \(environment): exit \(plan.status)\n\(plan.all)")
                #expect(plan.stdout.contains("systemd") || plan.stdout.contains("systemctl"), "\(app) -e \(environment): \(plan.stdout)")
            }
        }
    }

    /// What Stripe's API (the loopback stand-in) received during the last run, and where the
    /// run's events put the webhook endpoint's disable and enable among the undos: a failed
    /// deploy must disable it before its first undo starts and enable it only after the last
    /// undo ended, with the secret key sent and never shown.
    static func expectWebhookPausedAroundTheUndo(
        _ api: ProviderAPIServer, endpoint: String, key: String, receivedBefore: Int, host: ShippedPlaybookHost, output: RolloutCLI.Output
    ) throws {
        let received = try JSONDecoder().decode(
            [ProviderAPIServer.Received].self, from: Data(ShippedPlaybookHost.get(api.baseURL + "/received").utf8)
        ).dropFirst(receivedBefore)
        #expect(received.map(\.body) == ["disabled=true", "disabled=false"], "\(received)")
        #expect(received.allSatisfy { $0.path == "/v1/webhook_endpoints/\(endpoint)" && $0.authorization == "Bearer \(key)" }, "\(received)")
        #expect(ShippedPlaybookHost.get(api.baseURL + "/v1/webhook_endpoints/\(endpoint)").contains("\"enabled\""))
        // The events in the order the engine emitted them (--json writes each as it happens).
        let events = host.events.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        func name(_ event: [String: Any]) -> String { (event["step"] as? [String: Any])?["name"] as? String ?? "" }
        func finished(_ step: String) -> Int? {
            events.firstIndex { $0["event"] as? String == "step_finished" && name($0) == step }
        }
        let disabled = try #require(
            finished("rollback: Disable the Stripe webhook endpoint first (Stripe queues events meanwhile)"), "\(host.events)")
        let enabled = try #require(finished("always: The Stripe webhook endpoint is enabled"), "\(host.events)")
        let undos = events.indices.filter { ["undo_started", "undo_finished"].contains(events[$0]["event"] as? String) }
        #expect(undos.count >= 2, "a failed deploy with nothing undone: \(host.events)")
        #expect(events[disabled]["outcome"] as? String != "failed" && events[enabled]["outcome"] as? String != "failed", "\(host.events)")
        #expect(disabled < (undos.first ?? 0), "the endpoint was disabled after the undo began:\n\(host.events)")
        #expect(enabled > (undos.last ?? .max), "the endpoint was enabled before the undo ended:\n\(host.events)")
        #expect(output.all.contains("POST \(api.baseURL)/v1/webhook_endpoints/\(endpoint)"), "\(output.all)")
        #expect(!output.all.contains(key) && !host.events.contains(key), "the Stripe key is shown")
    }

    // MARK: - mentor payments

    @Test(
        "mentor payments: good then next deploy; 100 concurrent payments booked once each with fee + payout == amount; bad-migration exits 1 with nothing lost"
    )
    func mentorPayments() async throws {
        let host = try await ShippedPlaybookHost(app: "mentor-payments")
        defer { host.stopApp() }
        let database = try await Self.postgres.createDatabase()
        let port = try SSHTestHost.freePort()
        let base = "http://127.0.0.1:\(port)"
        let stripeKey = "sk_test_shippedPlaybookKey0123"
        let stripe = try await ProviderAPIServer(apiKey: stripeKey, endpoints: ["we_mentor_platform"])
        let vars = await [
            "db_name": database, "db_port": String(Self.postgres.port), "app_port": String(port), "base_url": base, "stripe_api_base": stripe.baseURL,
        ]
        let secrets = [
            "MENTOR_STRIPE_SECRET_KEY": stripeKey, "MENTOR_STRIPE_WEBHOOK_SECRET": Self.webhookSecret,
            "MENTOR_SECRET_KEY": "shipped-playbook-jwt-secret-0123",
        ]
        func sql(_ query: String) async throws -> String { try await Self.postgres.sql(query, database: database) }

        let started = Date()
        let good = try await host.run(vars.merging(["ref": "origin/good"]) { $1 }, environment: secrets)
        #expect(good.status == 0, "\(good.all)")
        print("mentor-payments: deploy of good took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let burst = try #require((good.all + host.events).split(separator: "\n").first { $0.contains("100 sent") }, "\(good.all)\n\(host.events)")
        #expect(
            burst.contains("statuses 200×100") && burst.contains("p50") && burst.contains("p90") && burst.contains("p99") && burst.contains("/s"),
            "\(burst)")
        print("mentor-payments: \(burst.trimmingCharacters(in: .whitespaces))")
        #expect(
            try await sql(
                "SELECT count(*), count(DISTINCT payment_intent_id), count(*) FILTER (WHERE platform_fee + mentor_payout = amount) FROM payments")
                == "102|102|102")
        #expect(try await sql("SELECT count(*) FROM webhook_events") == "102")
        let goodCommit = try host.checkedOutCommit()
        #expect(try await sql("SELECT count(*) FILTER (WHERE status = 'failed') FROM payments") == "1")
        #expect(
            try await sql(
                "SELECT count(*) FROM payments WHERE payment_intent_id LIKE 'pi\\_rollout\\_%\\_burst%' AND status = 'succeeded' AND platform_fee + mentor_payout = amount"
            ) == "100")

        let nextStarted = Date()
        let next = try await host.run(vars.merging(["ref": "origin/next"]) { $1 }, environment: secrets)
        #expect(next.status == 0, "\(next.all)")
        print("mentor-payments: deploy of next took \(String(format: "%.1f", Date().timeIntervalSince(nextStarted))) s")
        #expect(try await sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'payout_requests'") == "1")
        #expect(try await sql("SELECT count(*), count(*) FILTER (WHERE platform_fee + mentor_payout = amount) FROM payments") == "204|204")

        // bad-migration upper-cases every currency, commits, then fails: the dump puts them back.
        let contents = "SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM payments p"
        let before = await (
            try sql(contents), try sql("SELECT string_agg(DISTINCT currency, ',') FROM payments"),
            try host.sandbox.snapshot(host: 0, "mentor-payments/.env"), try host.checkedOutCommit(),
            ShippedPlaybookHost.get(base + "/health")
        )
        #expect(before.1 == "usd" && before.4.contains(before.3), "\(before)")
        // A successful deploy sends one request to Stripe's API: always:'s enable, which changes nothing.
        let receivedBefore = try JSONSerialization.jsonObject(with: Data(ShippedPlaybookHost.get(stripe.baseURL + "/received").utf8)) as? [Any]
        #expect(receivedBefore?.count == 2, "\(String(describing: receivedBefore))")
        let badStarted = Date()
        let bad = try await host.run(vars.merging(["ref": "origin/bad-migration"]) { $1 }, environment: secrets)
        print("\(host.app): failed deploy of bad-migration and its undo took \(String(format: "%.1f", Date().timeIntervalSince(badStarted))) s")
        #expect(bad.status == 1, "\(bad.all)")
        #expect(bad.all.contains("balance_cents"), "\(bad.all)")
        try Self.expectWebhookPausedAroundTheUndo(
            stripe, endpoint: "we_mentor_platform", key: stripeKey, receivedBefore: receivedBefore?.count ?? 0, host: host, output: bad)
        #expect(try await sql(contents) == before.0)
        #expect(try await sql("SELECT string_agg(DISTINCT currency, ',') FROM payments") == "usd")
        #expect(try host.sandbox.snapshot(host: 0, "mentor-payments/.env") == before.2)
        #expect(try host.checkedOutCommit() == before.3)
        #expect(ShippedPlaybookHost.get(base + "/health") == before.4)
        #expect(!bad.all.contains(Self.webhookSecret) && !bad.all.contains("sk_test_shippedPlaybookKey0123"))

        // On-call's rollback of next: the payments booked after its migration (by its own
        // callback checks here, by customers in production: Rollout cannot tell them apart) would
        // go with the dump, so it refuses and changes nothing; with --force the dump comes back
        // and the good release runs again.
        let refused = try await host.rollback(vars, environment: secrets)
        #expect(refused.status == 3, "\(refused.all)")
        #expect(refused.all.contains(" since the deploy; restoring would") && refused.all.contains("payments: "), "\(refused.all)")
        #expect(try await sql("SELECT count(*) FROM payments") == "204", "nothing was restored")
        let rollback = try await host.rollback(vars, environment: secrets, force: true)
        #expect(rollback.status == 0, "\(rollback.all)")
        #expect(try host.checkedOutCommit() == goodCommit)
        #expect(ShippedPlaybookHost.get(base + "/health").contains(goodCommit))
        #expect(try await sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'payout_requests'") == "0")
        #expect(try await sql("SELECT count(*), count(*) FILTER (WHERE platform_fee + mentor_payout = amount) FROM payments") == "102|102")
    }

    // MARK: - strategy subscriptions

    /// An HS256 token for user `user`, as the app's own `issue()` makes it (Python's stdlib).
    static func token(user: String, secret: String) throws -> String {
        try runLocal(
            "/usr/bin/python3",
            [
                "-c",
                """
                import base64, hashlib, hmac, json, sys
                b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
                h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
                p = b(json.dumps({"sub": sys.argv[2], "exp": 4102444800, "type": "access"}).encode())
                print(h + "." + p + "." + b(hmac.new(sys.argv[1].encode(), (h + "." + p).encode(), hashlib.sha256).digest()))
                """, secret, user,
            ]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "strategy subscriptions: good then next deploy, signed in; bad-migration is undone by alembic downgrade to the recorded revision and keeps the payments booked before"
    )
    func strategySubscriptions() async throws {
        let host = try await ShippedPlaybookHost(app: "strategy-subscriptions")
        defer { host.stopApp() }
        let database = try await Self.postgres.createDatabase()
        let port = try SSHTestHost.freePort()
        let base = "http://127.0.0.1:\(port)"
        let jwtSecret = "shipped-playbook-jwt-secret-0123456789abcdef"
        let stripeKey = "sk_test_shippedPlaybookKey0123"
        let stripe = try await ProviderAPIServer(apiKey: stripeKey, endpoints: ["we_strategy_api"])
        let vars = await [
            "db_name": database, "db_port": String(Self.postgres.port), "app_port": String(port), "base_url": base,
            "redis_url": RedisTestServer.shared.url(database: 5), "smoke_user_id": "1", "stripe_api_base": stripe.baseURL,
        ]
        let secrets = [
            "STRATEGY_STRIPE_SECRET_KEY": stripeKey, "STRATEGY_STRIPE_WEBHOOK_SECRET": Self.webhookSecret,
            "STRATEGY_JWT_SECRET_KEY": jwtSecret, "STRATEGY_API_TOKEN": try Self.token(user: "1", secret: jwtSecret),
        ]
        func sql(_ query: String) async throws -> String { try await Self.postgres.sql(query, database: database) }

        // The first deploy makes the tables; the smoke account does not exist yet.
        let started = Date()
        let good = try await host.run(vars.merging(["ref": "origin/good", "smoke_subscription": "false"]) { $1 }, environment: secrets)
        #expect(good.status == 0, "\(good.all)")
        print("strategy-subscriptions: deploy of good took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(try await sql("SELECT version_num FROM alembic_version") == "0001_initial")
        let goodCommit = try host.checkedOutCommit()
        // The operator's tool makes the smoke account (user 1), as the runbook's token comes from it.
        #expect(
            try await runLocal(
                "/bin/sh", ["-c", "cd \"$1\" && venv/bin/python scripts/issue_token.py smoke@strategy.test 2>&1", "sh", host.appDirectory.path]
            )
            .contains("user_id=1"))

        let nextStarted = Date()
        let next = try await host.run(vars.merging(["ref": "origin/next"]) { $1 }, environment: secrets)
        #expect(next.status == 0, "\(next.all)")
        print("strategy-subscriptions: deploy of next took \(String(format: "%.1f", Date().timeIntervalSince(nextStarted))) s")
        #expect(try await sql("SELECT version_num FROM alembic_version") == "0002_subscription_trial_end")
        let booked = "SELECT md5(string_agg(a::text, ',' ORDER BY id)) FROM audit_logs a"
        #expect(try await sql("SELECT count(*) FROM audit_logs") == "3")
        #expect(
            try await sql("SELECT s.status, p.name FROM user_subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = 1")
                == "active|starter")
        #expect(try await sql("SELECT billing_cycle FROM user_subscriptions WHERE user_id = 1") == "yearly")

        let before = await (
            try sql(booked), try host.sandbox.snapshot(host: 0, "strategy-subscriptions/.env"), try host.checkedOutCommit(),
            ShippedPlaybookHost.get(base + "/health")
        )
        let receivedBefore = try JSONSerialization.jsonObject(with: Data(ShippedPlaybookHost.get(stripe.baseURL + "/received").utf8)) as? [Any]
        #expect(receivedBefore?.count == 2, "\(String(describing: receivedBefore))")
        let badStarted = Date()
        let bad = try await host.run(vars.merging(["ref": "origin/bad-migration"]) { $1 }, environment: secrets)
        print("\(host.app): failed deploy of bad-migration and its undo took \(String(format: "%.1f", Date().timeIntervalSince(badStarted))) s")
        #expect(bad.status == 1, "\(bad.all)")
        try Self.expectWebhookPausedAroundTheUndo(
            stripe, endpoint: "we_strategy_api", key: stripeKey, receivedBefore: receivedBefore?.count ?? 0, host: host, output: bad)
        // 0003 was committed (Starter repriced) before 0004 failed; the downgrade to the recorded
        // revision took it away again.
        #expect(bad.all.contains("0002_subscription_trial_end -> 0003_reprice_starter"), "\(bad.all)")
        #expect(host.events.contains("Running downgrade 0003_reprice_starter -> 0002_subscription_trial_end"), "\(host.events)")
        #expect(try await sql("SELECT version_num FROM alembic_version") == "0002_subscription_trial_end")
        #expect(try await sql("SELECT price_monthly FROM subscription_plans WHERE name = 'starter'") == "19.99")
        #expect(
            try await sql(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'subscription_plans' AND column_name = 'legacy_price_monthly'")
                == "0")
        // What was booked before the failure is still there.
        #expect(try await sql(booked) == before.0)
        #expect(
            try await sql("SELECT s.status, p.name FROM user_subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = 1")
                == "active|starter")
        #expect(try host.sandbox.snapshot(host: 0, "strategy-subscriptions/.env") == before.1)
        #expect(try host.checkedOutCommit() == before.2)
        #expect(ShippedPlaybookHost.get(base + "/health") == before.3)
        #expect(!bad.all.contains(Self.webhookSecret) && !bad.all.contains(jwtSecret))

        // On-call's rollback of the deploy that stuck (next): downgraded to the revision recorded
        // before it, the good release back and running, the subscriptions kept.
        let rollbackStarted = Date()
        let rollback = try await host.rollback(vars, environment: secrets)
        #expect(rollback.status == 0, "\(rollback.all)")
        print("strategy-subscriptions: rollout rollback of next took \(String(format: "%.1f", Date().timeIntervalSince(rollbackStarted))) s")
        #expect(try await sql("SELECT version_num FROM alembic_version") == "0001_initial")
        #expect(try host.checkedOutCommit() == goodCommit)
        #expect(ShippedPlaybookHost.get(base + "/health").contains(goodCommit))
        #expect(try await sql(booked) == before.0)
        #expect(
            try await sql("SELECT s.status, p.name FROM user_subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = 1")
                == "active|starter")
    }

    // MARK: - youarecoder

    @Test(
        "youarecoder: the endpoint table and the signed-in rows pass, a forged PayTR callback gets 400 and a genuine one OK, one payment per merchant_oid, the subscription active, one invoice; bad-migration is downgraded to the recorded revision"
    )
    func youarecoder() async throws {
        let host = try await ShippedPlaybookHost(app: "youarecoder")
        defer { host.stopApp() }
        let database = try await Self.postgres.createDatabase()
        let port = try SSHTestHost.freePort()
        let base = "http://127.0.0.1:\(port)"
        let vars = await ["db_name": database, "db_port": String(Self.postgres.port), "app_port": String(port), "base_url": base, "public_url": base]
        let secrets = [
            "PAYTR_MERCHANT_KEY": "K3yForShippedPlaybook", "PAYTR_MERCHANT_SALT": "S4ltForShippedPlaybook",
            "YOUARECODER_SECRET_KEY": "shipped-playbook-session-secret-0123", "YOUARECODER_OPS_PASSWORD": "correct horse battery",
        ]
        func sql(_ query: String) async throws -> String { try await Self.postgres.sql(query, database: database) }

        // The system the runbook deploys onto exists: migrated, with the ops account signed up.
        let existing = try ReferenceApp(
            .youarecoder,
            environment: [
                "DATABASE_URL": "postgresql://\(await Self.postgres.user)@127.0.0.1:\(await Self.postgres.port)/\(database)",
                "SECRET_KEY": "bootstrap-session-secret",
                "PAYTR_MERCHANT_ID": "100001", "PAYTR_MERCHANT_KEY": "bootstrap-key", "PAYTR_MERCHANT_SALT": "bootstrap-salt", "PAYTR_TEST_MODE": "1",
            ])
        try existing.runChecked("flask", ["db", "upgrade"])
        try existing.start()
        let signup = try existing.request(
            "POST", "/auth/register", form: ["company": "Youarecoder Ops", "email": "ops@youarecoder.test", "password": "correct horse battery"])
        #expect(signup.status == 302, "\(signup.body)")
        existing.stop()

        let started = Date()
        let good = try await host.run(vars.merging(["ref": "origin/good"]) { $1 }, environment: secrets)
        #expect(good.status == 0, "\(good.all)")
        print("youarecoder: deploy of good took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        for row in [
            "/billing/ redirects to login (auth required)", "the success page loads", "the failure page loads",
            "the callback rejects an invalid hash",
            "subscribing to Starter needs a login", "subscribing to Team needs a login", "subscribing to Enterprise needs a login",
            "signed in, an invalid plan is refused with 400",
        ] {
            #expect(host.events.contains("\(row): "), "missing check `\(row)` in:\n\(host.events)")
        }
        #expect(host.events.contains("tampered: 400"), "\(host.events)")
        #expect(host.events.contains("first: 200") && host.events.contains("replay: 200"), "\(host.events)")
        #expect(
            try await sql("SELECT count(*), count(DISTINCT paytr_merchant_oid), count(*) FILTER (WHERE status = 'success') FROM payments") == "1|1|1")
        #expect(try await sql("SELECT plan, status FROM subscriptions") == "team|active")
        #expect(try await sql("SELECT count(*) FROM invoices") == "1")
        let goodCommit = try host.checkedOutCommit()

        let nextStarted = Date()
        let next = try await host.run(vars.merging(["ref": "origin/next"]) { $1 }, environment: secrets)
        #expect(next.status == 0, "\(next.all)")
        print("youarecoder: deploy of next took \(String(format: "%.1f", Date().timeIntervalSince(nextStarted))) s")
        #expect(try await sql("SELECT version_num FROM alembic_version") == "0002_invoice_pdf_url")
        #expect(try await sql("SELECT count(*), count(DISTINCT paytr_merchant_oid) FROM payments") == "2|2")

        let booked = "SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM payments p"
        let before = await (
            try sql(booked), try host.sandbox.snapshot(host: 0, "youarecoder/.env"), try host.checkedOutCommit(),
            ShippedPlaybookHost.get(base + "/health")
        )
        let badStarted = Date()
        let bad = try await host.run(vars.merging(["ref": "origin/bad-migration"]) { $1 }, environment: secrets)
        print("\(host.app): failed deploy of bad-migration and its undo took \(String(format: "%.1f", Date().timeIntervalSince(badStarted))) s")
        #expect(bad.status == 1, "\(bad.all)")
        #expect(bad.all.contains("0002_invoice_pdf_url -> 0003_company_billing_email"), "\(bad.all)")
        #expect(host.events.contains("Running downgrade 0003_company_billing_email -> 0002_invoice_pdf_url"), "\(host.events)")
        #expect(try await sql("SELECT version_num FROM alembic_version") == "0002_invoice_pdf_url")
        #expect(
            try await sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'companies' AND column_name = 'billing_email'") == "0")
        #expect(try await sql(booked) == before.0)
        #expect(try host.sandbox.snapshot(host: 0, "youarecoder/.env") == before.1)
        #expect(try host.checkedOutCommit() == before.2)
        #expect(ShippedPlaybookHost.get(base + "/health") == before.3)
        #expect(!bad.all.contains("K3yForShippedPlaybook") && !bad.all.contains("correct horse battery"))

        // On-call's rollback of next: flask db downgrade to the revision next recorded, the good
        // release running again, every payment kept.
        let rollback = try await host.rollback(vars, environment: secrets)
        #expect(rollback.status == 0, "\(rollback.all)")
        #expect(try await sql("SELECT version_num FROM alembic_version") == "0001_initial")
        #expect(try host.checkedOutCommit() == goodCommit)
        #expect(ShippedPlaybookHost.get(base + "/health").contains(goodCommit))
        #expect(try await sql(booked) == before.0)
    }
}
