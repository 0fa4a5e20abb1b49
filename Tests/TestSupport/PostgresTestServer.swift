public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL 15 cluster on 127.0.0.1, started once per test process through
/// `scripts/sandbox-postgres` on a free port, and stopped (its directory deleted) by a watchdog
/// as soon as the test process ends. Each test takes a database of its own.
///
/// The cluster runs as `rollout-test`, the sandbox hosts' login user, which is its superuser
/// and logs in without a password (trust). `passwordUser` is the exception: a role that must
/// give its password (scram-sha-256), for tests that prove a password reaches the server.
public final class PostgresTestServer: Sendable {
    public let directory: URL
    public let port: Int
    /// The superuser, trusted on 127.0.0.1.
    public let user = "rollout-test"
    /// A role that logs in with `password` only.
    public let passwordUser = "rollout_pw"

    /// The cluster every test of this process shares, started (on a thread of its own) by the
    /// first test that asks. Awaited, not a `static let`, for the reason `SSHTestHost.shared` is:
    /// initdb takes seconds.
    public static var shared: PostgresTestServer {
        get async { await started.value }
    }

    private static let started = Task<PostgresTestServer, Never> {
        do {
            return try await onOwnThread { try PostgresTestServer.start() }
        } catch {
            fatalError("cannot start the test PostgreSQL: \(error)")
        }
    }

    private init(directory: URL, port: Int) {
        self.directory = directory
        self.port = port
    }

    private static func start() throws -> PostgresTestServer {
        let directory = URL(fileURLWithPath: "/tmp/rollout-test-postgres/\(TestProcess.id)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        let server = PostgresTestServer(directory: directory, port: try SSHTestHost.freePort())
        let script = packageRoot.appendingPathComponent("scripts/sandbox-postgres").path
        try runLocal(script, ["start", directory.path, String(server.port), server.user])
        // Stop the cluster and delete it once this process is gone, however it ends.
        try runLocal(
            "/bin/bash",
            [
                "-c",
                "setsid bash -c 'while \(TestProcess.isRunningCondition); do sleep 0.5; done; \"$2\" stop \"$3\"; rm -rf -- \"$3\"' "
                    + "watchdog \(getpid()) \(script) \(directory.path) > /dev/null 2>&1 < /dev/null &",
            ])
        // The password role: scram-sha-256 for it, ahead of the trust lines initdb wrote.
        let hba = directory.appendingPathComponent("data/pg_hba.conf")
        let rules = try String(contentsOf: hba, encoding: .utf8)
        try ("host all \(server.passwordUser) 127.0.0.1/32 scram-sha-256\n" + rules).write(to: hba, atomically: true, encoding: .utf8)
        try server.sql("SELECT pg_reload_conf()", database: "postgres")
        return server
    }

    /// A new, empty database for one test, owned by `owner` (default the superuser).
    public func createDatabase(owner: String? = nil) throws -> String {
        let name = "test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try sql("CREATE DATABASE \(name)" + (owner.map { " OWNER \($0)" } ?? ""), database: "postgres")
        return name
    }

    /// Creates `passwordUser` with `password` (once; later calls set the password again).
    public func createPasswordUser(password: String) throws {
        try sql(
            """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(passwordUser)') THEN CREATE ROLE \(passwordUser) LOGIN; END IF;
            END $$;
            ALTER ROLE \(passwordUser) PASSWORD '\(password)';
            """, database: "postgres")
    }

    /// Runs `statements` as the superuser and returns the rows, fields separated by `|`; waits
    /// for psql off the cooperative pool (see `onOwnThread`).
    @discardableResult
    public func sql(_ statements: String, database: String) async throws -> String {
        try await onOwnThread { try self.sql(statements, database: database) }
    }

    /// The blocking `sql`, for the cluster's one-time start.
    @discardableResult
    public func sql(_ statements: String, database: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-sql-\(UUID().uuidString)")
        try statements.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try runLocal(
            "/usr/bin/psql",
            [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user,
                "-d", database, "-f", file.path,
            ]
        ).trimmingCharacters(in: .newlines)
    }
}
