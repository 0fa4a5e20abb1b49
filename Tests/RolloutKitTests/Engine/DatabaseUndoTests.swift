import Foundation
import RolloutKit
import TestSupport
import Testing

/// Whether an undo in the run replaces a database from its dump: not while the database
/// received writes since the migration ended (the host's PostgreSQL answers are scripted: the
/// dump, the counters the migration recorded, the counters at undo time).
@Suite struct DatabaseUndoTests {
    static let steps = """
        steps:
          - probe: { id: a, log: "{{ log }}" }
          - backup_database: { database: app }
          - migrate: { run: "echo migrating" }
          - probe: { id: b, log: "{{ log }}", fail_on: h1 }
        """

    /// The counters the migration recorded: payments (oid 16384) 5 rows inserted, customers
    /// (16390) 2 inserted and 1 updated.
    static let recorded = "16384:5:0:0,16390:2:1:0"

    /// `pg_stat_user_tables` as `TableWrites.currentQuery` reads it: oid, name, counters.
    static func tables(_ rows: [(String, String, Int, Int, Int)]) -> String {
        rows.map { "\($0.0)\u{1F}\($0.1)\u{1F}\($0.2)\u{1F}\($0.3)\u{1F}\($0.4)\u{0}" }.joined()
    }

    static func isCounterQuery(_ command: RemoteCommand) -> Bool {
        String(decoding: command.stdin, as: UTF8.self).contains("FROM pg_stat_user_tables ORDER BY 2")
    }

    /// A harness whose host dumps, migrates recording `counters` (none when nil), and answers the
    /// undo's counter query with `now` (or fails it).
    func harness(counters: String? = recorded, now: CommandResultScript) throws -> EngineHarness {
        let harness = try EngineHarness()
        let host = harness.host("h1")
        let dump = "/srv/backups/app-20261127T204954Z-68cc-0002.dump"
        host.on("pg_dump -Fc", .exit(0, stdout: "rollout-dump 1686 \(String(repeating: "a", count: 64)) \(dump)\n"))
        host.on("(\necho migrating\n)", .exit(0, stdout: "migrating\n" + (counters.map { "rollout-counters \($0)\n" } ?? "")))
        switch now {
        case .rows(let text): host.on(where: Self.isCounterQuery, .exit(0, stdout: text))
        case .fails(let stderr): host.on(where: Self.isCounterQuery, .exit(2, stderr: stderr))
        }
        host.on("pg_restore --clean", .exit(0, stdout: "restored app from \(dump)\n"))
        return harness
    }

    enum CommandResultScript {
        case rows(String)
        case fails(String)
    }

    func restored(_ harness: EngineHarness) -> Bool {
        harness.host("h1").commands.contains { $0.script.contains("pg_restore --clean") }
    }

    @Test func aDatabaseWithNoWritesSinceTheMigrationIsRestored() async throws {
        let harness = try harness(now: .rows(Self.tables([("16384", "payments", 5, 0, 0), ("16390", "customers", 2, 1, 0)])))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .restored, "\(harness.notices)")
        #expect(restored(harness))
        #expect(harness.logLines.contains("undo a h1"))
        #expect(!summary.refusedForWrites)
    }

    @Test func aPaymentInsertedSinceTheMigrationStopsEveryUndoOfTheHost() async throws {
        let harness = try harness(now: .rows(Self.tables([("16384", "payments", 6, 0, 0), ("16390", "customers", 2, 1, 0)])))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(!restored(harness), "the dump was not restored over the payment")
        #expect(!harness.logLines.contains("undo a h1"), "nothing else was undone either: old code on the new schema is worse")
        #expect(
            harness.notices.contains("[h1] step 3 'migrate: echo migrating': payments: 1 row inserted since the deploy; restoring would delete it"),
            "\(harness.notices)")
        #expect(summary.refusedForWrites)
        #expect(summary.notUndone.map(\.step.name).sorted() == ["migrate: echo migrating", "probe a", "probe b"])
    }

    @Test func updatesAndDeletesAreWritesTooAndEachTableIsNamed() async throws {
        let harness = try harness(now: .rows(Self.tables([("16384", "payments", 5, 2, 1), ("16390", "customers", 4, 1, 0)])))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        let notice = harness.notices.first { $0.contains("step 3") } ?? ""
        #expect(
            notice.hasSuffix(
                "payments: 2 rows updated, 1 deleted since the deploy; restoring would undo these writes; customers: 2 rows inserted since the deploy; restoring would delete them"
            ), "\(notice)")
    }

    @Test func aTableCreatedSinceTheMigrationCountsFromZero() async throws {
        let harness = try harness(
            now: .rows(Self.tables([("16384", "payments", 5, 0, 0), ("16390", "customers", 2, 1, 0), ("16500", "audit.log", 3, 0, 0)])))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(harness.notices.contains { $0.hasSuffix("audit.log: 3 rows inserted since the deploy; restoring would delete them") })
    }

    @Test func aTableDroppedSinceIsNoWriteTheRestoreWouldLose() async throws {
        let harness = try harness(now: .rows(Self.tables([("16384", "payments", 5, 0, 0)])))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .restored, "\(harness.notices)")
        #expect(restored(harness))
    }

    @Test func countersThatWentBackMeanNothingCanBeToldAndNothingIsRestored() async throws {
        let harness = try harness(now: .rows(Self.tables([("16384", "payments", 0, 0, 0), ("16390", "customers", 0, 0, 0)])))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(!restored(harness))
        #expect(harness.notices.contains { $0.contains("the write counters of app went back since the deploy") }, "\(harness.notices)")
    }

    @Test func aMigrationThatRecordedNoCountersIsNotRestoredBlind() async throws {
        let harness = try harness(counters: nil, now: .rows(Self.tables([("16384", "payments", 5, 0, 0)])))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(!restored(harness))
        #expect(harness.notices.contains { $0.contains("holds no write counters of app") }, "\(harness.notices)")
    }

    @Test func countersThatCannotBeReadStopTheRestore() async throws {
        let harness = try harness(now: .fails("psql: error: connection to server failed: Connection refused\n"))
        let summary = try await harness.run(Self.steps)
        #expect(summary.exitCode == .rollbackIncomplete)
        #expect(!restored(harness))
        #expect(harness.notices.contains { $0.contains("could not read the write counters of app") && $0.contains("Connection refused") })
    }

    @Test func aMigrationWithItsOwnUndoCommandIsDowngradedWithoutAsking() async throws {
        let harness = try harness(now: .rows(Self.tables([("16384", "payments", 9, 0, 0)])))
        let summary = try await harness.run(
            """
            steps:
              - backup_database: { database: app }
              - migrate: { run: "echo migrating", undo: "printf 'downgrade\\n' >> {{ log }}" }
              - probe: { id: b, log: "{{ log }}", fail_on: h1 }
            """)
        #expect(summary.exitCode == .restored, "\(harness.notices)")
        #expect(harness.logLines.contains("downgrade"), "the downgrade keeps the rows, so it needs no check")
        #expect(!harness.host("h1").commands.contains(where: Self.isCounterQuery))
        #expect(!restored(harness))
    }

    /// The migration runs for real on the host, its journal and counters script included; `psql`
    /// there is a stand-in that prints the recorded counters.
    static let deploy = """
        steps:
          - probe: { id: a, log: "{{ log }}" }
          - backup_database: { database: app }
          - migrate: { run: "echo migrated", env: { PATH: "{{ root }}/bin:/usr/bin:/bin" } }
        """

    @Test func rollbackRefusesBeforeItChangesAnythingAndForceRestores() async throws {
        let harness = try EngineHarness()
        let host = harness.host("h1")
        let dump = harness.root.appendingPathComponent("app-20261127T204954Z-68cc-0002.dump").path
        FileManager.default.createFile(atPath: dump, contents: Data("dump".utf8))
        let bin = harness.root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try Data("#!/bin/sh\necho \(Self.recorded)\n".utf8).write(to: bin.appendingPathComponent("psql"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent("psql").path)
        host.on("pg_dump -Fc", .exit(0, stdout: "rollout-dump 1686 \(String(repeating: "a", count: 64)) \(dump)\n"))
        host.on(
            where: Self.isCounterQuery, times: 2, .exit(0, stdout: Self.tables([("16384", "payments", 6, 0, 0), ("16390", "customers", 2, 1, 0)])))
        host.on("pg_restore --clean", .exit(0, stdout: "restored app from \(dump)\n"))
        let deployed = try await harness.run(Self.deploy)
        try #require(deployed.exitCode == .success, "\(harness.notices)")

        let (plans, previews) = try await harness.rollbackPlans(Self.deploy)
        #expect(plans.first?.objections == ["step 3 'migrate: echo migrated': payments: 1 row inserted since the deploy; restoring would delete it"])
        let migration = try #require(previews.first?.first)
        #expect(
            migration.putsBack == "database app from the dump \(dump) (taken by the run of 2026-11-27 20:49:54 UTC), 1686 bytes"
        )
        #expect(migration.throwsAway?.hasPrefix("app as it is now (a safety dump is taken first)") == true)

        let refused = try await harness.rollback(Self.deploy)
        #expect(refused.exitCode == .rollbackIncomplete)
        #expect(refused.refusedForWrites)
        #expect(!restored(harness))
        #expect(!harness.logLines.contains("undo a h1"), "nothing was changed on the host")
        #expect(!harness.exists("h1/state/lock"), "nor the lock taken")

        let forced = try await harness.rollback(Self.deploy, force: true)
        #expect(forced.exitCode == .success, "\(harness.notices)")
        #expect(restored(harness))
        #expect(harness.logLines.contains("undo a h1"))
    }

    @Test func rollbackOfAnOlderRunNamesTheNewerRunsStillInPlace() async throws {
        let harness = try EngineHarness()
        let body = """
            steps:
              - probe: { id: a, log: "{{ log }}" }
            """
        _ = try await harness.run(body)
        let first = try #require(try harness.runIDs(in: "h1/state/runs").first)
        try await Task.sleep(for: .milliseconds(1100))
        _ = try await harness.run(body)
        let second = try #require(try harness.runIDs(in: "h1/state/runs").first { $0 != first })
        let (plans, previews) = try await harness.rollbackPlans(body, runID: min(first, second))
        #expect(plans.first?.newerRuns.map(\.runID) == [max(first, second)])
        #expect(previews.first?.first?.putsBack == "what probe a ran over")
        let (latest, _) = try await harness.rollbackPlans(body)
        #expect(latest.first?.newerRuns.isEmpty == true)
    }
}
