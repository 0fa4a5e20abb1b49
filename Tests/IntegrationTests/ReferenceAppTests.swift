import Foundation
import TestSupport
import Testing

/// The three reference apps behave as the systems their runbooks deploy: each runs from a venv
/// installed offline from the wheelhouse, migrated the way its runbook migrates it, and is driven
/// over plain HTTP and by the built `rollout sign … --send`, whose callbacks the apps verify with
/// the providers' own libraries.
///
/// Serialized: each test starts a multi-process web server, and seven at once on a small CI
/// machine starve the timing-sensitive tests of other suites (a 60 s deploy-lock lease lapsed).
@Suite("reference apps", .serialized)
struct ReferenceAppTests {
    static let paytr = ["PAYTR_MERCHANT_ID": "100001", "PAYTR_MERCHANT_KEY": "K3yForSmokeTests", "PAYTR_MERCHANT_SALT": "S4ltForSmokeTst1"]
    static let stripeSecret = "whsec_refapp4d1c9e7a2b6f8e0d1a3c5e7b9d1f3a5c"
    static var postgres: PostgresTestServer {
        get async { await PostgresTestServer.shared }
    }

    static func databaseURL(_ database: String) async -> String {
        "postgresql://\(await postgres.user)@127.0.0.1:\(await postgres.port)/\(database)"
    }

    /// `rollout sign arguments…` with the apps' secrets in its environment; its exit status and output.
    func sign(_ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.run(
            try BuiltTools.rollout(), ["sign"] + arguments,
            environment: Self.paytr.merging(["STRIPE_WEBHOOK_SECRET": Self.stripeSecret]) { $1 })
    }

    func expectSent(_ run: CommandRun, _ body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 0, "rollout sign exited \(run.status): \(run.stderrText) \(run.stdoutText)", sourceLocation: sourceLocation)
        if let body { #expect(run.stdoutText.contains(body), "\(run.stdoutText)", sourceLocation: sourceLocation) }
    }

    // MARK: - youarecoder

    func youarecoder(release: String = "good", database: String) async throws -> ReferenceApp {
        try ReferenceApp(
            .youarecoder, release: release,
            environment: Self.paytr.merging([
                "DATABASE_URL": await Self.databaseURL(database), "SECRET_KEY": "refapp-session-secret-0123456789abcdef",
                "PAYTR_TEST_MODE": "1", "BASE_URL": "http://127.0.0.1",
            ]) { $1 })
    }

    @Test("youarecoder answers the deploy report's endpoint table and settles one PayTR payment exactly once")
    func youarecoderEndpointsAndCallbacks() async throws {
        let database = try await Self.postgres.createDatabase()
        let app = try await youarecoder(database: database)
        let migrated = try app.runChecked("flask", ["db", "upgrade"])
        #expect(migrated.contains("Running upgrade  -> 0001_initial"))
        try app.start()
        #expect(try app.request("GET", "/health").body.contains(#""revision":"good""#))

        // Signed out: the seven rows of the deploy report.
        let dashboard = try app.request("GET", "/billing/")
        #expect(dashboard.status == 302 && dashboard.location?.contains("/auth/login") == true)
        for plan in ["starter", "team", "enterprise"] {
            let subscribe = try app.request("POST", "/billing/subscribe/\(plan)")
            #expect(subscribe.status == 302 && subscribe.location?.contains("/auth/login") == true, "\(plan): \(subscribe.status)")
        }
        #expect(try app.request("GET", "/billing/payment/success").status == 200)
        #expect(try app.request("GET", "/billing/payment/fail").status == 200)
        let callbackURL = app.baseURL + "/billing/callback"
        expectSent(try await sign(["paytr", "--tamper", "--send", callbackURL, "--expect", "400"]), "bad hash")
        #expect(
            try app.request("POST", "/billing/callback", form: ["merchant_oid": "X1", "status": "success", "total_amount": "100", "hash": "forged"])
                .status == 400)

        // Sign up, then a real sign-in with its session cookie.
        let signup = FileManager.default.temporaryDirectory.appendingPathComponent("refapp-jar-\(UUID().uuidString)")
        let jar = FileManager.default.temporaryDirectory.appendingPathComponent("refapp-jar-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: signup)
            try? FileManager.default.removeItem(at: jar)
        }
        let registered = try app.request(
            "POST", "/auth/register", form: ["company": "Acme", "email": "owner@acme.test", "password": "correct horse"], cookies: signup)
        #expect(registered.status == 302)
        #expect(try app.request("POST", "/auth/login", form: ["email": "owner@acme.test", "password": "wrong password"], cookies: jar).status == 401)
        let login = try app.request(
            "POST", "/auth/login?next=/billing/", form: ["email": "owner@acme.test", "password": "correct horse"], cookies: jar)
        #expect(login.status == 302 && login.location == "/billing/")
        let signedIn = try app.request("GET", "/billing/", cookies: jar)
        #expect(signedIn.status == 200 && signedIn.body.contains("<b>trial</b>"), "\(signedIn.status) \(signedIn.body)")
        #expect(try app.request("POST", "/billing/subscribe/platinum", cookies: jar).status == 400)

        // The iframe token flow gives an order id; PayTR's notification for it settles the payment.
        let checkout = try app.request("POST", "/billing/subscribe/team", headers: ["Accept: application/json"], cookies: jar)
        #expect(checkout.status == 200)
        let oid = try #require((try JSONSerialization.jsonObject(with: Data(checkout.body.utf8)) as? [String: Any])?["merchant_oid"] as? String)
        #expect(try app.request("POST", "/billing/subscribe/enterprise", cookies: jar).body.contains("paytriframe"))
        for _ in 0..<2 {
            expectSent(
                try await sign([
                    "paytr", "--merchant-oid", oid, "--amount", "99.00", "--currency", "USD",
                    "--send", callbackURL, "--expect", "200", "--expect-body", "OK",
                ]))
        }
        expectSent(
            try await sign([
                "paytr", "--merchant-oid", oid, "--amount", "99.00", "--currency", "USD", "--wrong-secret", "--send", callbackURL, "--expect", "400",
            ]))
        #expect(try await Self.postgres.sql("SELECT plan, status FROM subscriptions", database: database) == "team|active")
        #expect(try await Self.postgres.sql("SELECT count(*), min(amount), min(currency) FROM invoices", database: database) == "1|9900|USD")
        #expect(try await Self.postgres.sql("SELECT status FROM payments WHERE paytr_merchant_oid = '\(oid)'", database: database) == "success")
        #expect(try app.request("GET", "/billing/", cookies: jar).body.contains("<b>active</b>"))

        // A failed payment is marked failed and changes nothing else.
        let second = try app.request("POST", "/billing/subscribe/starter", headers: ["Accept: application/json"], cookies: jar)
        let failedOID = try #require((try JSONSerialization.jsonObject(with: Data(second.body.utf8)) as? [String: Any])?["merchant_oid"] as? String)
        expectSent(
            try await sign([
                "paytr", "--merchant-oid", failedOID, "--status", "failed", "--reason-code", "2",
                "--send", callbackURL, "--expect", "200", "--expect-body", "OK",
            ]))
        #expect(
            try await Self.postgres.sql(
                "SELECT status, failure_reason_code FROM payments WHERE paytr_merchant_oid = '\(failedOID)'",
                database: database)
                == "failed|2")
        #expect(try await Self.postgres.sql("SELECT plan, status FROM subscriptions", database: database) == "team|active")
        #expect(try await Self.postgres.sql("SELECT count(*) FROM invoices", database: database) == "1")
    }

    @Test("youarecoder's releases: next migrates, bad-migration commits one revision then fails and downgrades, wont-start dies with a traceback")
    func youarecoderReleases() async throws {
        let database = try await Self.postgres.createDatabase()
        try await youarecoder(database: database).runChecked("flask", ["db", "upgrade"])
        try await Self.postgres.sql(
            """
            INSERT INTO companies (name, subdomain, created_at) VALUES ('Acme', 'acme', now());
            INSERT INTO users (email, password_hash, company_id) VALUES ('owner@acme.test', 'x', 1);
            """, database: database)
        try await youarecoder(release: "next", database: database).runChecked("flask", ["db", "upgrade"])
        #expect(try await Self.postgres.sql("SELECT version_num FROM alembic_version", database: database) == "0002_invoice_pdf_url")

        let bad = try await youarecoder(release: "bad-migration", database: database)
        let failed = try bad.run("flask", ["db", "upgrade"])
        #expect(failed.status != 0 && failed.output.contains("amount_usd"), "\(failed.output)")
        #expect(try await Self.postgres.sql("SELECT version_num FROM alembic_version", database: database) == "0003_company_billing_email")
        #expect(try await Self.postgres.sql("SELECT billing_email FROM companies", database: database) == "owner@acme.test")
        try bad.runChecked("flask", ["db", "downgrade", "0002_invoice_pdf_url"])
        #expect(try await Self.postgres.sql("SELECT version_num FROM alembic_version", database: database) == "0002_invoice_pdf_url")
        #expect(
            try await Self.postgres.sql(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'companies' AND column_name = 'billing_email'", database: database
            ) == "0")

        let next = try await youarecoder(release: "next", database: database)
        try next.start()
        #expect(try next.request("GET", "/health").body.contains(#""schema":"0002_invoice_pdf_url""#))
        next.stop()

        let broken = try await youarecoder(release: "wont-start", database: try await Self.postgres.createDatabase())
        try broken.runChecked("flask", ["db", "upgrade"])
        let died = try #require(try broken.startExpectingFailure())
        #expect(died.status != 0)
        #expect(died.log.contains("Traceback") && died.log.contains("KeyError: 'MAILJET_API_KEY'"), "\(died.log)")
    }

    // MARK: - mentor payments

    func mentorPayments(release: String = "good", database: String) async throws -> ReferenceApp {
        try ReferenceApp(
            .mentorPayments, release: release,
            environment: [
                "DATABASE_URL": await Self.databaseURL(database), "STRIPE_WEBHOOK_SECRET": Self.stripeSecret, "SECRET_KEY": "refapp-jwt",
            ])
    }

    func booking(_ app: ReferenceApp, mentor: Int, amount: Int) throws -> Int {
        let answer = try app.request("POST", "/bookings", json: #"{"mentor_id":\#(mentor),"mentee_id":1,"amount":\#(amount),"currency":"usd"}"#)
        #expect(answer.status == 201, "\(answer.body)")
        return try #require((try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["id"] as? Int)
    }

    func paymentEvent(_ type: String = "payment_intent.succeeded", event: String, intent: String, booking: Int, amount: Int) -> [String] {
        [
            "stripe", "--event", type, "--set", "$.id=\(event)", "--set", "data.object.id=\(intent)", "--set", "data.object.amount=\(amount)",
            "--set", "data.object.amount_received=\(type == "payment_intent.succeeded" ? amount : 0)", "--set", "data.object.currency=usd",
            "--set", "data.object.metadata.booking_id=\(booking)",
        ]
    }

    @Test("mentor payments: fee + payout == amount on every payment, a resent event changes nothing, refunds and failures are booked")
    func mentorPaymentsLedger() async throws {
        let database = try await Self.postgres.createDatabase()
        let app = try await mentorPayments(database: database)
        try app.start()
        #expect(try app.request("GET", "/health").body.contains(#""revision":"good""#))
        let hook = app.baseURL + "/payments/webhook"
        var payouts = 0
        for (index, amount) in [2999, 1, 5, 15, 123_457].enumerated() {
            let id = try booking(app, mentor: 7, amount: amount)
            let event = paymentEvent(event: "evt_refapp_pay\(index)", intent: "pi_refapp_\(index)", booking: id, amount: amount)
            expectSent(try await sign(event + ["--send", hook, "--expect", "200"]), #""status":"processed""#)
            expectSent(try await sign(event + ["--send", hook, "--expect", "200"]), #""status":"already_processed""#)
            payouts += amount - (amount * 10 + 50) / 100
        }
        #expect(
            try await Self.postgres.sql(
                "SELECT count(*), count(*) FILTER (WHERE platform_fee + mentor_payout = amount) FROM payments",
                database: database)
                == "5|5")
        #expect(
            try await Self.postgres.sql(
                "SELECT platform_fee, mentor_payout FROM payments WHERE payment_intent_id = 'pi_refapp_0'",
                database: database)
                == "300|2699")
        #expect(try await Self.postgres.sql("SELECT balance FROM mentor_balances WHERE mentor_id = 7", database: database) == String(payouts))
        #expect(try await Self.postgres.sql("SELECT count(*) FROM bookings WHERE status = 'completed'", database: database) == "5")
        expectSent(try await sign(["stripe", "--wrong-secret", "--send", hook, "--expect", "400"]))

        // A full refund takes the mentor's 90 % back, once.
        let refund = [
            "stripe", "--event", "charge.refunded", "--set", "$.id=evt_refapp_refund", "--set", "data.object.payment_intent=pi_refapp_0",
            "--set", "data.object.amount=2999", "--set", "data.object.amount_refunded=2999", "--send", hook, "--expect", "200",
        ]
        expectSent(try await sign(refund), #""status":"processed""#)
        expectSent(try await sign(refund), #""status":"already_processed""#)
        #expect(try await Self.postgres.sql("SELECT balance FROM mentor_balances WHERE mentor_id = 7", database: database) == String(payouts - 2699))
        #expect(
            try await Self.postgres.sql("SELECT status, amount_refunded FROM payments WHERE payment_intent_id = 'pi_refapp_0'", database: database)
                == "refunded|2999")

        // A declined card marks the booking, credits nobody.
        let declined = try booking(app, mentor: 8, amount: 5000)
        expectSent(
            try await sign(
                paymentEvent("payment_intent.payment_failed", event: "evt_refapp_fail", intent: "pi_refapp_fail", booking: declined, amount: 5000)
                    + ["--send", hook, "--expect", "200"]), #""status":"processed""#)
        #expect(try await Self.postgres.sql("SELECT status FROM bookings WHERE id = \(declined)", database: database) == "payment_failed")
        #expect(try await Self.postgres.sql("SELECT count(*) FROM mentor_balances WHERE mentor_id = 8", database: database) == "0")
    }

    @Test("mentor payments: a burst of distinct concurrent payments, each delivered twice at once, is booked exactly once each")
    func mentorPaymentsBurst() async throws {
        let database = try await Self.postgres.createDatabase()
        let app = try await mentorPayments(database: database)
        try app.start()
        let count = 30
        var commands: [String] = []
        var payouts = 0
        for index in 0..<count {
            let amount = 1000 + index * 37
            let id = try booking(app, mentor: 9, amount: amount)
            let curl = try await sign(
                paymentEvent(event: "evt_refapp_burst\(index)", intent: "pi_refapp_burst\(index)", booking: id, amount: amount)
                    + ["--format", "curl", "--url", app.baseURL + "/payments/webhook"])
            #expect(curl.status == 0, "\(curl.stderrText)")
            let command = curl.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            commands += ["\(command) -o /dev/null &", "\(command) -o /dev/null &"]
            payouts += amount - (amount * 10 + 50) / 100
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("refapp-burst-\(UUID().uuidString).sh")
        try (commands.joined(separator: "\n") + "\nwait\n").write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        try await runLocal("/bin/sh", [script.path])
        #expect(
            try await Self.postgres.sql(
                "SELECT count(*), count(DISTINCT payment_intent_id), count(*) FILTER (WHERE platform_fee + mentor_payout = amount) FROM payments",
                database: database) == "\(count)|\(count)|\(count)")
        #expect(try await Self.postgres.sql("SELECT count(*) FROM webhook_events", database: database) == String(count))
        #expect(try await Self.postgres.sql("SELECT count(*) FROM bookings WHERE status = 'completed'", database: database) == String(count))
        #expect(try await Self.postgres.sql("SELECT balance FROM mentor_balances WHERE mentor_id = 9", database: database) == String(payouts))
    }

    @Test("mentor payments' bad-migration release changes data at start-up, then dies; wont-start dies with a traceback")
    func mentorPaymentsReleases() async throws {
        let database = try await Self.postgres.createDatabase()
        let good = try await mentorPayments(database: database)
        try good.start()
        _ = try booking(good, mentor: 3, amount: 4200)
        good.stop()
        let bad = try await mentorPayments(release: "bad-migration", database: database)
        let died = try #require(try bad.startExpectingFailure())
        #expect(died.log.contains("Traceback") && died.log.contains("balance_cents"), "\(died.log)")
        #expect(try await Self.postgres.sql("SELECT currency FROM bookings", database: database) == "USD")
        #expect(
            try await Self.postgres.sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'payout_requests'",
                database: database) == "1")

        let broken = try await mentorPayments(release: "wont-start", database: database)
        let crashed = try #require(try broken.startExpectingFailure())
        #expect(crashed.log.contains("Traceback") && crashed.log.contains("KeyError: 'STRIPE_CONNECT_CLIENT_ID'"), "\(crashed.log)")
    }

    // MARK: - strategy subscriptions

    func strategy(release: String = "good", database: String, redisDatabase: Int) async throws -> ReferenceApp {
        try ReferenceApp(
            .strategySubscriptions, release: release,
            environment: [
                "DATABASE_URL": await Self.databaseURL(database), "STRIPE_WEBHOOK_SECRET": Self.stripeSecret,
                "REDIS_URL": RedisTestServer.shared.url(database: redisDatabase), "JWT_SECRET_KEY": "refapp-jwt-secret-0123456789abcdef0123",
            ])
    }

    @Test("strategy subscriptions: the subscription endpoint wants a JWT, and every subscription change invalidates the cached entitlements")
    func strategyEntitlements() async throws {
        let redis = RedisTestServer.shared
        let database = try await Self.postgres.createDatabase()
        let app = try await strategy(database: database, redisDatabase: 1)
        try app.runChecked("alembic", ["upgrade", "head"])
        #expect(try app.runChecked("python", ["scripts/seed_plans.py"]).contains("Created Pro plan with 9 features"))
        #expect(
            try await Self.postgres.sql("SELECT name, price_monthly, price_yearly FROM subscription_plans ORDER BY id", database: database)
                == "free|0.00|0.00\nstarter|19.99|199.99\npro|49.99|479.99")
        let issued = try app.runChecked("python", ["scripts/issue_token.py", "trader@example.com"])
        let userID = try #require(issued.split(separator: "\n").first { $0.hasPrefix("user_id=") }?.dropFirst("user_id=".count))
        let token = try #require(issued.split(separator: "\n").last.map(String.init))
        try app.start()
        let path = "/api/v1/billing/subscription"
        let hook = app.baseURL + "/api/v1/billing/webhooks/stripe"
        let cacheKey = "entitlements:\(userID)"
        #expect(try app.request("GET", "/health").body.contains(#""schema":"0001_initial""#))
        func subscription() throws -> [String: Any] {
            let answer = try app.request("GET", path, headers: ["Authorization: Bearer \(token)"])
            #expect(answer.status == 200, "\(answer.body)")
            return try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        }

        #expect(try app.request("GET", path).status == 401)
        #expect(try app.request("GET", path, headers: ["Authorization: Bearer not.a.token"]).status == 401)
        #expect(try subscription()["plan"] as? String == "free")
        #expect(try subscription()["cached"] as? Bool == true)
        #expect(try redis.command(["-n", "1", "EXISTS", cacheKey]) == "1")

        let checkout = [
            "stripe", "--event", "checkout.session.completed", "--set", "$.id=evt_refapp_checkout",
            "--set", "data.object.client_reference_id=user_\(userID)", "--set", "data.object.customer=cus_refapp1",
            "--set", "data.object.mode=subscription", "--set", "data.object.subscription=sub_refapp1",
            "--set", "data.object.metadata.plan_name=starter", "--send", hook, "--expect", "200",
        ]
        expectSent(try await sign(checkout), #""status":"processed""#)
        #expect(try redis.command(["-n", "1", "EXISTS", cacheKey]) == "0")
        let starter = try subscription()
        #expect(starter["plan"] as? String == "starter" && starter["cached"] as? Bool == false && starter["status"] as? String == "active")

        _ = try subscription()
        let upgrade = [
            "stripe", "--event", "customer.subscription.updated", "--set", "$.id=evt_refapp_upgrade", "--set", "data.object.id=sub_refapp1",
            "--set", "data.object.customer=cus_refapp1", "--set", "data.object.items.data.0.price.id=price_pro_yearly",
            "--send", hook, "--expect", "200",
        ]
        expectSent(try await sign(upgrade), #""status":"processed""#)
        #expect(try redis.command(["-n", "1", "EXISTS", cacheKey]) == "0")
        let pro = try subscription()
        #expect(pro["plan"] as? String == "pro" && pro["billing_cycle"] as? String == "yearly")
        #expect((pro["features"] as? [String: Any])?["live_trading"] as? String == "true")

        // A resent event is acknowledged and changes nothing, not even the cache.
        #expect(try subscription()["cached"] as? Bool == true)
        expectSent(try await sign(upgrade), #""status":"already_processed""#)
        #expect(try redis.command(["-n", "1", "EXISTS", cacheKey]) == "1")
        expectSent(try await sign(["stripe", "--event", "customer.subscription.updated", "--wrong-secret", "--send", hook, "--expect", "400"]))

        let failedInvoice = [
            "stripe", "--event", "invoice.payment_failed", "--set", "$.id=evt_refapp_inv_failed",
            "--set", "data.object.customer=cus_refapp1", "--set", "data.object.parent.subscription_details.subscription=sub_refapp1",
            "--send", hook, "--expect", "200",
        ]
        expectSent(try await sign(failedInvoice), #""status":"processed""#)
        #expect(try subscription()["status"] as? String == "past_due")
        expectSent(
            try await sign([
                "stripe", "--event", "customer.subscription.deleted", "--set", "$.id=evt_refapp_deleted", "--set", "data.object.id=sub_refapp1",
                "--set", "data.object.customer=cus_refapp1", "--send", hook, "--expect", "200",
            ]), #""status":"processed""#)
        let canceled = try subscription()
        #expect(canceled["plan"] as? String == "free" && canceled["status"] as? String == "canceled")
        #expect(try await Self.postgres.sql("SELECT count(*), count(DISTINCT stripe_event_id) FROM audit_logs", database: database) == "4|4")
    }

    @Test(
        "strategy subscriptions' bad-migration commits one revision before failing, and alembic downgrade removes it; wont-start dies with a traceback"
    )
    func strategyReleases() async throws {
        let database = try await Self.postgres.createDatabase()
        let good = try await strategy(database: database, redisDatabase: 2)
        try good.runChecked("alembic", ["upgrade", "head"])
        try good.runChecked("python", ["scripts/seed_plans.py"])
        try await strategy(release: "next", database: database, redisDatabase: 2).runChecked("alembic", ["upgrade", "head"])
        let recorded = try await Self.postgres.sql("SELECT version_num FROM alembic_version", database: database)
        #expect(recorded == "0002_subscription_trial_end")

        let bad = try await strategy(release: "bad-migration", database: database, redisDatabase: 2)
        let failed = try bad.run("alembic", ["upgrade", "head"])
        #expect(failed.status != 0 && failed.output.contains("column \"amount\" does not exist"), "\(failed.output)")
        #expect(try await Self.postgres.sql("SELECT version_num FROM alembic_version", database: database) == "0003_reprice_starter")
        #expect(
            try await Self.postgres.sql(
                "SELECT price_monthly, legacy_price_monthly FROM subscription_plans WHERE name = 'starter'",
                database: database)
                == "24.99|19.99")
        #expect(
            try await Self.postgres.sql(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'plan_features' AND column_name = 'limit_value'",
                database: database) == "0")

        try bad.runChecked("alembic", ["downgrade", recorded])
        #expect(try await Self.postgres.sql("SELECT version_num FROM alembic_version", database: database) == recorded)
        #expect(try await Self.postgres.sql("SELECT price_monthly FROM subscription_plans WHERE name = 'starter'", database: database) == "19.99")
        #expect(
            try await Self.postgres.sql(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'subscription_plans' AND column_name = 'legacy_price_monthly'",
                database: database) == "0")

        let broken = try await strategy(release: "wont-start", database: try await Self.postgres.createDatabase(), redisDatabase: 2)
        try broken.runChecked("alembic", ["upgrade", "head"])
        let died = try #require(try broken.startExpectingFailure())
        #expect(died.status != 0)
        #expect(died.log.contains("Traceback") && died.log.contains("KeyError: 'SIGNALS_API_URL'"), "\(died.log)")
    }
}
