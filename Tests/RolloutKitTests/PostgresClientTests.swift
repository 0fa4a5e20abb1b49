import Foundation
import Testing

@testable import RolloutKit

/// What the database steps send to a host and how they read what comes back: the connection
/// only in PG* variables, dump names a later run recognises, psql's rows and error lines.
struct PostgresClientTests {
    let runID = RunID("20261123T134501Z-3f9a")!
    let client = PostgresClient(database: "billing", user: "app", host: "db.internal", port: 5433, password: "pw-SENTINEL")

    @Test func theConnectionTravelsInPGVariablesOnly() {
        #expect(client.environment["PGPASSWORD"] == "pw-SENTINEL")
        #expect(client.environment["PGDATABASE"] == "billing")
        #expect(client.environment["PGUSER"] == "app")
        #expect(client.environment["PGHOST"] == "db.internal")
        #expect(client.environment["PGPORT"] == "5433")
        let scripts = [
            client.dumpScript(directory: "~/.rollout/app/backups", name: client.dumpName(runID: runID, step: 0), keep: 3),
            client.restoreScript, client.newestDumpScript(directory: "/srv/backups"), PostgresClient.queryCommand,
        ]
        for script in scripts {
            #expect(!script.contains("pw-SENTINEL"))
            #expect(!script.contains("db.internal"), "host, port and user stay off the command line too")
        }
        #expect(!client.description.contains("pw-SENTINEL"))
        #expect(client.description == "billing as app on db.internal:5433")
        #expect(PostgresClient(database: "billing").environment["PGPASSWORD"] == nil)
        #expect(client.recordFields == ["database": "billing", "user": "app", "host": "db.internal", "port": "5433"])
        #expect(
            PostgresClient(recordFields: client.recordFields) == PostgresClient(database: "billing", user: "app", host: "db.internal", port: 5433))
    }

    /// Every variant of the shell the database steps and file changes send parses (`sh -n`):
    /// a quoting slip in a rarely taken branch (keep: with protected dumps) fails no other test.
    @Test func everyScriptVariantParses() throws {
        let name = client.dumpName(runID: runID, step: 0)
        let change = RemoteFileChange(path: "/srv/app/it's .env")
        let scripts = [
            client.dumpScript(directory: "~/.rollout/app/backups", name: name),
            client.dumpScript(directory: "~/.rollout/app/backups", name: name, keep: 3),
            client.dumpScript(directory: "/srv/my backups", name: name, keep: 3, protected: ["a b.dump", "it's.dump"]),
            client.roomScript(directory: "~/it's backups"), client.restoreScript, client.newestDumpScript(directory: "/srv/backups"),
            change.readScript,
            TableWrites.recordScript(environment: client.environment), TableWrites.recordScript(environment: [:]),
            change.replaceScript(backup: "/s/env-history/x", mode: nil, defaultMode: 0o600, owner: nil),
            change.replaceScript(
                backup: "/s/backups/x", mode: 0o640, defaultMode: 0o644, owner: "app:app", unlessSHA256: String(repeating: "a", count: 64)),
            try #require(
                RemoteFileChange.restoreScript(
                    undo: try FileUndoRecord(fields: ["file": "/srv/.env", "backup": "/s/x", "mode": "640", "owner": "0:0"]), safety: "/s/y")),
            try #require(RemoteFileChange.restoreScript(undo: try FileUndoRecord(fields: ["file": "/srv/.env", "backup": "/s/x"]), safety: nil)),
            try #require(RemoteFileChange.restoreScript(undo: try FileUndoRecord(fields: ["file": "/srv/.env", "absent": "1"]), safety: "/s/y")),
        ]
        for script in scripts {
            let parsed = try ShellProcess.run("sh -n -c \(ShellWord.quote(script))")
            #expect(parsed.status == 0, "\(parsed.stderr)\n\(script)")
        }
    }

    @Test func dumpNamesCarryTheDatabaseRunAndStep() {
        #expect(client.dumpName(runID: runID, step: 2) == "billing-20261123T134501Z-3f9a-0003.dump")
        #expect(client.safetyDumpName(runID: runID, step: 2) == "billing-20261123T134501Z-3f9a-0003.before-restore.dump")
        #expect(PostgresClient(database: "my db/../x").fileStem == "my_db_.._x")
    }

    @Test func theDumpsOfOneDatabaseAreListedNewestFirstOnARealShell() throws {
        let directory = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in [
            "billing-20261120T100000Z-aaaa-0001.dump", "billing-20261123T100000Z-bbbb-0001.dump",
            "billing-20261122T100000Z-cccc-0002.dump", "billing-20261124T100000Z-dddd-0001.before-restore.dump",
            "billing-staging-20261125T100000Z-eeee-0001.dump", ".billing-20261126T100000Z-ffff-0001.dump.partial",
            "billing-notes.dump",
        ] {
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data())
        }
        let listed = try ShellProcess.run(client.listDumpsFunction + "\nrollout_dumps \(ShellWord.quote(directory.path))")
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(
            listed.stdout.split(separator: "\n").map { ($0 as NSString).lastPathComponent } == [
                "billing-20261123T100000Z-bbbb-0001.dump", "billing-20261122T100000Z-cccc-0002.dump", "billing-20261120T100000Z-aaaa-0001.dump",
            ])
        let newest = try ShellProcess.run(client.newestDumpScript(directory: directory.path) + "echo \"$rollout_source\"")
        #expect(newest.stdout.hasSuffix("/billing-20261123T100000Z-bbbb-0001.dump\n"))
        let none = try ShellProcess.run(PostgresClient(database: "shop").newestDumpScript(directory: directory.path))
        #expect(none.status == 1)
        #expect(none.stderr == "rollout: no dump of shop in \(directory.path); name one with 'backup:'\n")
    }

    @Test func queryOutputIsSplitIntoRowsAndFields() {
        let output: [UInt8] = Array("2\u{1F}paid\0\u{1F}\0multi\nline\u{1F}x|y\0".utf8)
        #expect(PostgresClient.rows(fromQueryOutput: output) == [["2", "paid"], ["", ""], ["multi\nline", "x|y"]])
        #expect(PostgresClient.rows(fromQueryOutput: []) == [])
        #expect(PostgresClient.rows(fromQueryOutput: Array("1\0".utf8)) == [["1"]])
    }

    @Test func theDumpReportIsReadFromTheLastMarkerLine() {
        let stdout = "restored\nrollout-dump 1698 c607 /srv/backups/billing-x.dump\n"
        #expect(PostgresClient.dump(from: stdout) == PostgresClient.Dump(path: "/srv/backups/billing-x.dump", size: "1698", sha256: "c607"))
        #expect(PostgresClient.dump(from: "nothing here\n") == nil)
    }

    @Test func errorsAreTheToolsOwnFirstErrorLine() {
        let refused = CommandResult(
            exitStatus: 1,
            stderr: Array(
                """
                pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused
                \tIs the server running on that host and accepting TCP/IP connections?

                """.utf8))
        #expect(
            PostgresClient.errorMessage(of: refused, masker: .none)
                == #"pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused Is the server running on that host and accepting TCP/IP connections?"#
        )
        let query = CommandResult(
            exitStatus: 3,
            stderr: Array(
                """
                psql:<stdin>:1: ERROR:  relation "payment" does not exist
                LINE 1: SELECT count(*) FROM payment
                                             ^

                """.utf8))
        #expect(PostgresClient.errorMessage(of: query, masker: .none) == #"ERROR: relation "payment" does not exist"#)
        #expect(
            PostgresClient.errorMessage(of: CommandResult(exitStatus: 2, stderr: Array("sh: pg_dump: not found\n".utf8)), masker: .none)
                == "exited with status 2: sh: pg_dump: not found")
    }

    @Test func missingTablesQueryQuotesNames() {
        #expect(PostgresClient.missingTablesQuery(["payments", "o'brien"]).contains("ARRAY['payments', 'o''brien']::text[]"))
    }
}
