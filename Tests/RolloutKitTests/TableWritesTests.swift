import Testing

@testable import RolloutKit

/// The comparison of a database's write counters with those recorded at the end of the deploy's
/// change, and how it reads.
@Suite struct TableWritesTests {
    typealias Counts = TableWrites.Counts

    static func table(_ oid: String, _ name: String, _ ins: Int64, _ upd: Int64 = 0, _ del: Int64 = 0) -> TableWrites.Table {
        TableWrites.Table(oid: oid, name: name, counts: Counts(inserted: ins, updated: upd, deleted: del))
    }

    @Test func recordedCountersReadBack() {
        #expect(TableWrites.parse(recorded: "") == [:])
        #expect(TableWrites.parse(recorded: "1:2:3:4") == ["1": Counts(inserted: 2, updated: 3, deleted: 4)])
        #expect(TableWrites.parse(recorded: "1:2:3") == nil)
        #expect(TableWrites.parse(recorded: "1:a:3:4") == nil)
    }

    @Test(arguments: [
        // Nothing moved.
        ([Self.table("1", "payments", 5)], TableWrites.Verdict.none),
        // One insert.
        ([Self.table("1", "payments", 6)], .writes([("payments", Counts(inserted: 1, updated: 0, deleted: 0))])),
        // A new table counts from zero; an empty new one is no write.
        ([Self.table("1", "payments", 5), Self.table("2", "refunds", 0)], .none),
        ([Self.table("1", "payments", 5), Self.table("2", "refunds", 2)], .writes([("refunds", Counts(inserted: 2, updated: 0, deleted: 0))])),
        // A counter that went back: reset.
        ([Self.table("1", "payments", 4, 9)], .reset),
    ])
    func verdicts(now: [TableWrites.Table], verdict: TableWrites.Verdict) {
        #expect(TableWrites.compare(recorded: ["1": Counts(inserted: 5, updated: 0, deleted: 0)], now: now) == verdict)
    }

    @Test func theObjectionNamesTablesCountsAndWhatRestoringWouldDo() {
        let one = TableWrites.Verdict.writes([("payments", Counts(inserted: 1, updated: 0, deleted: 0))])
        #expect(TableWrites.objection(one, database: "app") == "payments: 1 row inserted since the deploy; restoring would delete it")
        let updated = TableWrites.Verdict.writes([("customers", Counts(inserted: 0, updated: 3, deleted: 0))])
        #expect(TableWrites.objection(updated, database: "app") == "customers: 3 rows updated since the deploy; restoring would undo these writes")
        #expect(TableWrites.objection(.none, database: "app") == nil)
        #expect(TableWrites.objection(.reset, database: "app")?.contains("cannot tell") == true)
    }

    @Test func theCountersLineIsNotPartOfTheStepsOutput() {
        let result = CommandResult(exitStatus: 0, stdout: Array("migrated\nrollout-counters 1:2:3:4\ndone\n".utf8))
        #expect(TableWrites.recorded(from: result.stdoutText) == "1:2:3:4")
        #expect(TableWrites.removingRecord(from: result).stdoutText == "migrated\ndone\n")
        let plain = CommandResult(exitStatus: 0, stdout: Array("migrated\n".utf8))
        #expect(TableWrites.removingRecord(from: plain) == plain)
    }
}
