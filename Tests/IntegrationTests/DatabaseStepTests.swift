import Foundation
import TestSupport
import Testing

/// `backup_database`, `migrate`, `sql` and `restore_database` through `rollout run` on a
/// loopback sshd host, against a real PostgreSQL 15: what the database holds afterwards, what
/// the user reads, and where the password goes.
@Suite(.serialized) struct DatabaseStepTests {
    static let sentinel = "pw-SENTINEL-5c1e0b"
    let server: PostgresTestServer

    init() async {
        server = await PostgresTestServer.shared
    }

    /// A one-host sandbox with `name` holding `steps` (YAML, indented by 2), the state under h0.
    func sandbox(_ name: String = "db.yml", steps: String, secrets: String = "", vars: String = "") async throws -> DeploySandbox {
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write(
            name,
            """
            name: db-test
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/h0/state"
            vars:
              fail: "no"
            \(vars)
            \(secrets)
            steps:
            \(steps)
            """)
        return sandbox
    }

    /// The connection options of the superuser for `database`, as flow YAML entries.
    func connection(_ database: String) -> String {
        "database: \(database), host: 127.0.0.1, port: \(server.port), user: \(server.user)"
    }

    /// psql on the host as the superuser, for migrations written as shell commands.
    func psql(_ database: String) -> String {
        "psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p \(server.port) -U \(server.user) -d \(database)"
    }

    /// Everything a test compares before and after: the tables and every row of `customers`.
    func contents(of database: String) throws -> String {
        try server.sql(
            """
            SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public';
            SELECT id, name FROM customers ORDER BY id;
            """, database: database)
    }

    @Test func aFailureAfterTheMigrationRestoresTheDatabaseFromTheRunsBackup() async throws {
        let database = try server.createDatabase()
        try await server.sql(
            "CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'ada'), (2, 'grace');",
            database: database)
        let before = try contents(of: database)
        let sandbox = try await sandbox(
            steps: """
                  - name: Back up the database
                    register: db_backup
                    backup_database: { \(connection(database)) }
                  - name: Migrate
                    migrate:
                      run: |
                        \(psql(database)) <<'SQL'
                        CREATE TABLE payments (id int PRIMARY KEY, amount int);
                        INSERT INTO payments VALUES (1, 100), (2, 250);
                        INSERT INTO customers VALUES (3, 'linus');
                        UPDATE customers SET name = 'ADA' WHERE id = 1;
                        SQL
                      expect_tables: [payments, customers]
                  - name: Two payments
                    sql: { query: "SELECT count(*) FROM payments", \(connection(database)), expect: { value: "2" } }
                  - name: Smoke test
                    shell: echo "backup {{ db_backup.path }} {{ db_backup.size }} {{ db_backup.sha256 }}"; exit 3
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(try contents(of: database) == before, "the migration's table is gone and the rows are as they were")

        // The dump: 0600 in a 0700 directory, its size and sha256 as registered.
        let backups = sandbox.hostDirectory(0).appendingPathComponent("state/backups")
        let dumps = try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.hasSuffix(".dump") }
        #expect(dumps.count == 1 && dumps[0].hasPrefix("\(database)-"), "\(dumps)")
        let path = backups.appendingPathComponent(dumps[0]).path
        #expect(try FileManager.default.attributesOfItem(atPath: backups.path)[.posixPermissions] as? Int == 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? -1
        let sha256 = try await runLocal("/usr/bin/sha256sum", [path]).prefix(64)
        #expect(output.stdout.contains("backup \(path) \(size) \(sha256)"), "\(output.stdout)")
        #expect(!output.stdout.contains("verify again"), "neither the backup nor the sql assertion runs again after the rollback")
    }

    @Test func restoreDatabaseRestoresTheNewestDumpAndItsUndoPutsTheSafetyCopyBack() async throws {
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'ada');", database: database)
        let backedUp = try contents(of: database)
        let sandbox = try await sandbox(
            steps: """
                  - backup_database: { \(connection(database)), keep: 2 }
                """)
        try sandbox.write(
            "restore.yml",
            """
            name: db-test
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/h0/state"
            vars:
              fail: "no"
            steps:
              - name: Restore
                restore_database: { \(connection(database)) }
              - name: One customer again
                sql: { query: "SELECT * FROM customers", \(connection(database)), expect: { rows: 1 } }
              - name: Smoke test
                shell: test "{{ fail }}" = no
            """)
        for _ in 0..<3 {
            let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
            #expect(output.status == 0, "\(output.all)")
        }
        let backups = sandbox.hostDirectory(0).appendingPathComponent("state/backups")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.hasSuffix(".dump") }.count == 2,
            "keep: 2 leaves the two newest dumps")

        try await server.sql("INSERT INTO customers VALUES (2, 'grace'); CREATE TABLE extra (x int);", database: database)
        let current = try contents(of: database)
        let failed = try await sandbox.rollout(["run", "restore.yml", "-e", "sandbox", "--var", "fail=yes"])
        #expect(failed.status == 1, "\(failed.all)")
        #expect(try contents(of: database) == current, "the undo restored the safety copy")

        let restored = try await sandbox.rollout(["run", "restore.yml", "-e", "sandbox"])
        #expect(restored.status == 0, "\(restored.all)")
        #expect(try contents(of: database) == backedUp, "the newest backup was restored; the table added since is gone")

        let rollback = try await sandbox.rollout(["rollback", "restore.yml", "-e", "sandbox", "--yes"])
        #expect(rollback.status == 0, "\(rollback.all)")
        #expect(try contents(of: database) == current, "rollout rollback restored what was there before the restore: \(rollback.all)")
    }

    @Test func sqlExpectationFailuresSayWhatWasExpectedAndWhatCameBack() async throws {
        let database = try server.createDatabase()
        try await server.sql(
            "CREATE TABLE payments (id int, status text); INSERT INTO payments VALUES (1, 'paid'), (2, 'paid');",
            database: database)
        let query = "SELECT count(*) FROM payments WHERE status = 'paid' AND id > 0 AND id < 1000000 AND status IS NOT NULL"
        let cases: [(String, String, [String])] = [
            ("value", #"expect: { value: "1" }"#, [#"returned "2"; expected "1""#, "SELECT count(*) FROM payments WHERE status = 'paid'"]),
            ("rows", "expect: { rows: 0 }", ["returned 1 row; expected 0"]),
            ("error", "expect: { value: \"1\" }", [#"ERROR: relation "payment" does not exist"#]),
        ]
        for (name, expect, messages) in cases {
            let text = name == "error" ? "SELECT count(*) FROM payment" : query
            let sandbox = try await sandbox(
                steps: """
                      - name: Check payments
                        sql: { query: "\(text)", \(connection(database)), \(expect) }
                    """)
            let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
            #expect(output.status == 1, "\(output.all)")
            for message in messages { #expect(output.stdout.contains(message), "\(name): \(output.stdout)") }
            #expect(!output.stdout.contains("AND id < 1000000 AND status IS NOT NULL"), "the query is shortened")
        }
    }

    @Test func aBackupThatCannotConnectFailsWithPgDumpsMessage() async throws {
        let port = try closedLoopbackPort()
        let sandbox = try await sandbox(
            steps: """
                  - backup_database: { database: app, host: 127.0.0.1, port: \(port) }
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(
            output.stdout.contains(
                "could not back up app on 127.0.0.1:\(port): pg_dump: error: connection to server at \"127.0.0.1\", port \(port) failed: Connection refused"
            ),
            "\(output.stdout)")
    }

    @Test func thePasswordAppearsInNoOutputRecordOrProcessList() async throws {
        try server.createPasswordUser(password: Self.sentinel)
        let database = try server.createDatabase(owner: server.passwordUser)
        try await server.sql(
            "CREATE TABLE customers (id int PRIMARY KEY, name text); ALTER TABLE customers OWNER TO \(server.passwordUser);",
            database: database)
        let connection =
            "database: \(database), host: 127.0.0.1, port: \(server.port), user: \(server.passwordUser), password: \"{{ secrets.db_password }}\""
        let sandbox = try await sandbox(
            steps: """
                  - backup_database: { \(connection) }
                  - migrate:
                      run: psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p \(server.port) -U \(server.passwordUser) -d \(database) -c "CREATE TABLE payments (id int)"
                      env: { PGPASSWORD: "{{ secrets.db_password }}" }
                      expect_tables: [payments]
                      \(connection.replacingOccurrences(of: ", ", with: "\n      "))
                  - name: Slow enough to be seen in ps
                    sql: { query: "SELECT pg_sleep(1.5), current_user", \(connection) }
                  - name: Fail with the password in sight
                    sql: { query: "SELECT '{{ secrets.db_password }}' = 'x'", \(connection), expect: { value: "t" } }
                """,
            secrets: "secrets:\n  db_password: { env: DB_PASSWORD }")
        var processes = ""
        let output = try await sandbox.rollout(
            ["run", "db.yml", "-e", "sandbox", "--verbose", "--json", "events.jsonl"], environment: ["DB_PASSWORD": Self.sentinel]
        ) { child in
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, Self.isRunning(child.pid) {
                processes += (try? runLocal("/bin/ps", ["-eww", "-o", "args="])) ?? ""
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        #expect(output.status == 1, "\(output.all)")
        #expect(output.stdout.contains("expected \"t\""), "the last step failed on its expectation, so the password reached the server")
        #expect(processes.contains("psql -X -A -t"), "ps was sampled while psql ran")
        #expect(!processes.contains(Self.sentinel), "the password is on no command line")
        #expect(!output.all.contains(Self.sentinel))
        #expect(try await server.sql("SELECT to_regclass('payments') IS NULL", database: database) == "t", "the migration was undone")
        for file in sandbox.allFiles() where !file.path.hasSuffix(".dump") {
            let text = String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
            #expect(!text.contains(Self.sentinel), "\(file.path) holds the password")
        }

        let wrong = try await self.sandbox(steps: "  - backup_database: { \(connection) }", secrets: "secrets:\n  db_password: { env: DB_PASSWORD }")
        let refused = try await wrong.rollout(["run", "db.yml", "-e", "sandbox"], environment: ["DB_PASSWORD": "not-" + Self.sentinel])
        #expect(refused.status == 1, "\(refused.all)")
        #expect(refused.stdout.contains("password authentication failed for user \"\(server.passwordUser)\""), "\(refused.stdout)")
        #expect(!refused.all.contains(Self.sentinel))
    }

    @Test func planShowsWhatWouldRunAndChangesNothing() async throws {
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE customers (id int PRIMARY KEY, name text);", database: database)
        let sandbox = try await sandbox(
            steps: """
                  - backup_database: { \(connection(database)), keep: 3 }
                  - migrate: { run: "\(psql(database)) -c 'CREATE TABLE payments (id int)'", expect_tables: [payments] }
                  - migrate: { run: "\(psql(database)) -c 'CREATE TABLE refunds (id int)'", undo: "\(psql(database)) -c 'DROP TABLE refunds'", \(connection(database)) }
                  - restore_database: { \(connection(database)), backup: /srv/app.dump }
                  - sql: { query: "SELECT count(*) FROM payments", \(connection(database)), expect: { value: "0" } }
                """)
        let output = try await sandbox.rollout(["plan", "db.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
        for line in [
            "pg_dump -Fc \(database) as \(server.user) on 127.0.0.1:\(server.port) to \(sandbox.root.path)/h0/state/backups/\(database)-",
            "then keep the newest 3 dumps of \(database)",
            "then check that payments exist in \(database) as \(server.user) on 127.0.0.1:\(server.port)",
            "undo: restore \(database) from the dump of step 1 'backup_database \(database)'",
            "undo: \(psql(database)) -c 'DROP TABLE refunds'",
            "then restore \(database) from /srv/app.dump: pg_restore --clean --if-exists --no-owner, in one transaction",
            "psql \(database) as \(server.user) on 127.0.0.1:\(server.port): SELECT count(*) FROM payments — expect value \"0\"",
        ] {
            #expect(output.stdout.contains(line), "\(line)\n\(output.stdout)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.hostDirectory(0).appendingPathComponent("state/backups").path))
        #expect(try await server.sql("SELECT to_regclass('payments') IS NULL AND to_regclass('refunds') IS NULL", database: database) == "t")
    }

    @Test func aMigrationWithNoWayBackSaysSoAndTheFailedRunNeedsAHuman() async throws {
        let database = try server.createDatabase()
        let sandbox = try await sandbox(
            steps: """
                  - migrate: { run: "\(psql(database)) -c 'CREATE TABLE payments (id int)'", \(connection(database)) }
                  - migrate: { run: "\(psql(database)) -c 'CREATE TABLE refunds (id int)'", undo: "\(psql(database)) -c 'DROP TABLE refunds'" }
                  - name: Smoke test
                    shell: exit 3
                """)
        let plan = try await sandbox.rollout(["plan", "db.yml", "-e", "sandbox"])
        #expect(plan.stdout.contains("undo: none (no backup_database of \(database) ran before it on h0 in this run)"), "\(plan.stdout)")
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 3, "\(output.all)")
        #expect(
            output.stdout.contains("this migration cannot be undone: no backup_database of \(database) ran before it on h0 in this run"),
            "\(output.stdout)")
        #expect(
            try await server.sql("SELECT to_regclass('refunds') IS NULL AND to_regclass('payments') IS NOT NULL", database: database) == "t",
            "the undo command dropped refunds; payments stays")
    }

    /// True while `pid` runs (not yet exited; a zombie counts as exited).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    /// pg_dump exits 0 when only its last write hits a full disk: with one 4 KiB page free, a
    /// 5 KB dump is cut to 4096 bytes, and `pg_restore --list` (which reads only the table of
    /// contents at the front) passes it. The backup must read the dump to its end and fail
    /// before the migration changes anything.
    @Test func aDumpCutShortByAFullDiskFailsTheBackupBeforeTheMigrationRuns() async throws {
        let disk = try TmpfsMount(bytes: 16 << 20)
        let database = try server.createDatabase()
        try await server.sql(
            "CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers SELECT g, md5(g::text) FROM generate_series(1, 160) g;",
            database: database)
        let before = try contents(of: database)
        let dir = disk.directory.path
        let sandbox = try await sandbox(
            steps: """
                  - name: Something else fills the disk, all but one page
                    shell: head -c $(( $(df -P -B1 \(dir) | awk 'NR == 2 { print $4 }') - 4096 )) /dev/zero > \(dir)/filler
                  - name: Back up the database
                    backup_database: { \(connection(database)), dir: "\(dir)/backups" }
                  - name: Migrate
                    migrate:
                      run: \(psql(database)) -c 'DROP TABLE customers'
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("does not read back whole, so it is no backup"), "\(output.all)")
        #expect(output.all.contains("could not read from input file"), "pg_restore's own words: \(output.all)")
        #expect(try contents(of: database) == before, "the migration never ran")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/backups")) ?? []
        #expect(left.isEmpty, "no partial dump is left to be mistaken for a backup: \(left)")
    }

    /// A dump directory without room (or not writable) stops the run before its first step,
    /// not at the backup after other steps have changed the host.
    @Test func aDumpDirectoryWithoutRoomStopsTheRunBeforeAnythingChanges() async throws {
        let disk = try TmpfsMount(bytes: 8192)
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE customers (id int PRIMARY KEY, name text);", database: database)
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-changed-\(UUID().uuidString)").path
        defer { unlink(marker) }
        let sandbox = try await sandbox(
            steps: """
                  - name: Change something first
                    shell: touch \(marker)
                  - name: Back up the database
                    backup_database: { \(connection(database)), dir: "\(disk.directory.path)/backups" }
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("\(disk.directory.path) has 8192 bytes free, and the dump of \(database) may need up to"), "\(output.all)")
        #expect(output.all.contains("nothing was changed on any host"), "\(output.all)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the first step never ran")
    }

    /// `keep: 1` in another playbook's nightly backups, sharing the directory, must not prune
    /// the dump the last deploy's migration is undone from.
    @Test func keepNeverPrunesADumpThatARunCanStillBeUndoneFrom() async throws {
        let database = try server.createDatabase()
        try await server.sql("CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'ada');", database: database)
        let before = try contents(of: database)
        let sandbox = try await sandbox(
            steps: """
                  - name: Back up the database
                    backup_database: { \(connection(database)), keep: 1 }
                  - name: Migrate
                    migrate:
                      run: \(psql(database)) -c "INSERT INTO customers VALUES (2, 'grace')"
                """)
        try sandbox.write(
            "nightly.yml",
            """
            name: nightly
            inventory: inventory.yml
            state_dir: "\(sandbox.root.path)/h0/state"
            steps:
              - backup_database: { \(connection(database)), keep: 1 }
            """)
        let deploy = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        try #require(deploy.status == 0, "\(deploy.all)")
        for _ in 0..<2 {
            let nightly = try await sandbox.rollout(["run", "nightly.yml", "-e", "sandbox"])
            #expect(nightly.status == 0, "\(nightly.all)")
        }
        let backups = sandbox.hostDirectory(0).appendingPathComponent("state/backups")
        let dumps = try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.hasSuffix(".dump") }
        #expect(dumps.count == 2, "the newest nightly dump and the deploy's: \(dumps)")

        let rollback = try await sandbox.rollout(["rollback", "db.yml", "-e", "sandbox", "--yes"])
        #expect(rollback.status == 0, "\(rollback.all)")
        #expect(try contents(of: database) == before, "the migration was undone from its dump")
    }

    /// The room check is for backups that will run: one its `when:` rules out does not stop
    /// the deploy.
    @Test func aBackupItsWhenRulesOutIsNotCheckedForRoom() async throws {
        let disk = try TmpfsMount(bytes: 8192)
        let database = try server.createDatabase()
        let sandbox = try await sandbox(
            steps: """
                  - name: Only when asked
                    when: "{{ fail }} == yes"
                    backup_database: { \(connection(database)), dir: "\(disk.directory.path)/backups" }
                  - shell: "true"
                """)
        let output = try await sandbox.rollout(["run", "db.yml", "-e", "sandbox"])
        #expect(output.status == 0, "\(output.all)")
    }

    /// restore_database first dumps what is there (its undo): without room for that dump the
    /// run stops before its first step, not in the middle of the deploy.
    @Test func aRestoreWithoutRoomForItsSafetyCopyStopsTheRunBeforeAnythingChanges() async throws {
        let disk = try TmpfsMount(bytes: 256 << 10)
        let database = try server.createDatabase()
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-changed-\(UUID().uuidString)").path
        defer { unlink(marker) }
        let sandbox = try await DeploySandbox(hostCount: 1)
        try sandbox.write(
            "restore.yml",
            """
            name: restore
            inventory: inventory.yml
            state_dir: "\(disk.directory.path)/state"
            steps:
              - name: Change something first
                shell: touch \(marker)
              - name: Restore
                restore_database: { \(connection(database)), backup: /srv/nowhere.dump }
            """)
        let output = try await sandbox.rollout(["run", "restore.yml", "-e", "sandbox"])
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("bytes free, and the dump of \(database) may need up to"), "\(output.all)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the first step never ran")
    }
}
