import Foundation
import TestSupport
import Testing

/// Issue 10, fault 6: a rollback after live traffic loses no payments. Restoring the deploy's
/// dump deletes every row written since, so a rollback (or an undo in the run) that finds the
/// database received writes since the deploy names the tables and counts and changes nothing
/// until `--force`.
extension DatabaseStepTests {
    /// `payments` and `customers` as they stand, row by row, with the columns of `payments`.
    func payments(of database: String) throws -> String {
        try server.sql(
            """
            SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'payments';
            SELECT id, amount FROM payments ORDER BY id;
            """, database: database)
    }

    /// Waits until PostgreSQL publishes the counters of the session that inserted into
    /// `payments` (a session's counters reach `pg_stat_user_tables` as its process exits, a
    /// moment after its client did), at most 5 s.
    func waitForPublishedInserts(_ count: Int, in database: String) throws {
        for _ in 0..<50 {
            let inserted = try server.sql("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'payments';", database: database)
            if Int(inserted.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= count { return }
            usleep(100_000)
        }
    }

    /// A deploy that backs up the database and adds a column to `payments`.
    func paymentsDeploy(_ database: String, then steps: String = "") async throws -> DeploySandbox {
        try await sandbox(
            steps: """
                  - name: Back up the database
                    backup_database: { \(connection(database)) }
                  - name: Migrate
                    migrate:
                      run: \(psql(database)) -c "ALTER TABLE payments ADD COLUMN currency text NOT NULL DEFAULT 'TRY'"
                \(steps)
                """)
    }

    @Test func aRollbackRefusesToDeleteAPaymentMadeSinceTheDeployAndForceRestores() async throws {
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE payments (id int PRIMARY KEY, amount int); INSERT INTO payments VALUES (1, 100);", database: database)
        let before = try payments(of: database)
        let sandbox = try await paymentsDeploy(database)
        let deploy = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        try #require(deploy.status == 0, "\(deploy.all)")
        #expect(!deploy.all.contains("rollout-counters"), "the counters are the record's, not the step's output")

        // Live traffic after the deploy.
        try await server.sql("INSERT INTO payments (id, amount) VALUES (2, 990);", database: database)
        try waitForPublishedInserts(2, in: database)
        let live = try payments(of: database)

        // The preview (no --yes, no terminal): what each step puts back, and the refusal.
        let preview = try await sandbox.rollout(["rollback", "db.yml", "-e", "sandbox"])
        #expect(preview.status == 3, "\(preview.all)")
        #expect(preview.stdout.contains("puts back:   database \(database) from the dump "), "\(preview.stdout)")
        #expect(preview.stdout.contains("(taken by the run of 20"), "\(preview.stdout)")
        #expect(preview.stdout.contains("throws away: \(database) as it is now"), "\(preview.stdout)")
        #expect(
            preview.stdout.contains("refused: step 2 'Migrate': payments: 1 row inserted since the deploy; restoring would delete it"),
            "\(preview.stdout)")
        #expect(try payments(of: database) == live, "nothing was restored")

        let refused = try await sandbox.rollout(["rollback", "db.yml", "-e", "sandbox", "--yes"])
        #expect(refused.status == 3, "\(refused.all)")
        #expect(refused.all.contains("payments: 1 row inserted since the deploy; restoring would delete it"), "\(refused.all)")
        #expect(refused.all.contains("--force"), "the way on is named: \(refused.all)")
        #expect(try payments(of: database) == live, "the payment made since the deploy is still there")

        let forced = try await sandbox.rollout(["rollback", "db.yml", "-e", "sandbox", "--yes", "--force"])
        #expect(forced.status == 0, "\(forced.all)")
        #expect(try payments(of: database) == before, "--force restored the dump")
        let backups = sandbox.hostDirectory(0).appendingPathComponent("state/backups")
        let safety = try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.contains("before-restore") }
        #expect(safety.count == 1, "what --force replaced (the payment with it) is kept in a safety dump: \(safety)")
    }

    /// The deploy's own migration writes: its undo within the run, after a later step failed,
    /// restores without --force.
    @Test func theRunsOwnMigrationWritesDoNotStopItsUndo() async throws {
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE payments (id int PRIMARY KEY, amount int); INSERT INTO payments VALUES (1, 100);", database: database)
        let before = try payments(of: database)
        let sandbox = try await sandbox(
            steps: """
                  - name: Back up the database
                    backup_database: { \(connection(database)) }
                  - name: Migrate
                    migrate:
                      run: \(psql(database)) -c "ALTER TABLE payments ADD COLUMN currency text; INSERT INTO payments VALUES (7, 1, 'TRY'); UPDATE payments SET amount = 101 WHERE id = 1; DELETE FROM payments WHERE id = 7"
                  - name: Smoke test
                    shell: exit 3
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(try payments(of: database) == before, "\(output.all)")
    }

    /// A migration that wrote and then failed is undone from the dump, without --force.
    @Test func aMigrationThatWroteAndFailedIsRestoredWithoutForce() async throws {
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE payments (id int PRIMARY KEY, amount int); INSERT INTO payments VALUES (1, 100);", database: database)
        let before = try payments(of: database)
        let sandbox = try await sandbox(
            steps: """
                  - name: Back up the database
                    backup_database: { \(connection(database)) }
                  - name: Migrate
                    migrate:
                      run: \(psql(database)) -c "INSERT INTO payments VALUES (8, 5)" && exit 4
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(try payments(of: database) == before, "\(output.all)")
    }

    /// Writes that arrive while the run is still going (after its migration, before a later
    /// step fails) are not the run's to delete either: the undo in the run refuses, exits 3,
    /// and leaves them there.
    @Test func anUndoInTheRunRefusesToDeleteWritesMadeAfterTheMigration() async throws {
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE payments (id int PRIMARY KEY, amount int); INSERT INTO payments VALUES (1, 100);", database: database)
        let sandbox = try await paymentsDeploy(
            database,
            then: """
                  - name: A customer pays while the deploy runs
                    shell: \(psql(database)) -c "INSERT INTO payments (id, amount) VALUES (3, 42)" && sleep 1
                  - name: Smoke test
                    shell: exit 3
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 3, "\(output.all)")
        #expect(output.all.contains("payments: 1 row inserted since the deploy; restoring would delete it"), "\(output.all)")
        let rows = try await server.sql("SELECT id FROM payments ORDER BY id;", database: database)
        #expect(rows.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == ["1", "3"], "\(rows)")
    }
}
