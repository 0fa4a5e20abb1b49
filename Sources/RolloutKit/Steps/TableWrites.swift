/// Whether a PostgreSQL database received writes since a moment of the deploy, per table: what
/// an undo checks before it replaces the database from a dump, which would delete them.
///
/// It reads PostgreSQL's cumulative counters of rows inserted, updated and deleted per table
/// (`pg_stat_user_tables`), which cost nothing to read whatever the tables' size. The moment is
/// the end of the deploy's own change to the database (the migration, or a `restore_database`),
/// recorded in that step's undo record as `counters`; whatever moved since is a write the
/// deploy did not make. Counters only grow, so one that went back means they were reset (a
/// crash, `pg_stat_reset()`) and nothing can be told: that is reported as such.
public struct TableWrites: Sendable, Hashable {
    /// Rows inserted, updated and deleted in one table.
    public struct Counts: Sendable, Hashable {
        public var inserted: Int64
        public var updated: Int64
        public var deleted: Int64

        public init(inserted: Int64, updated: Int64, deleted: Int64) {
            self.inserted = inserted
            self.updated = updated
            self.deleted = deleted
        }

        var isZero: Bool { inserted == 0 && updated == 0 && deleted == 0 }
    }

    /// One table as `currentQuery` lists it now.
    public struct Table: Sendable, Hashable {
        /// Its oid: the key of the recorded counters, stable while the table exists.
        public var oid: String
        /// `payments`, or `schema.table` outside `public`.
        public var name: String
        public var counts: Counts

        public init(oid: String, name: String, counts: Counts) {
            self.oid = oid
            self.name = name
            self.counts = counts
        }
    }

    /// What the comparison found.
    public enum Verdict: Sendable, Hashable {
        /// No table moved since the recorded moment.
        case none
        /// These tables received writes since then, with how many rows.
        case writes([(name: String, counts: Counts)])
        /// A counter went back: they were reset since, so writes cannot be told.
        case reset

        public static func == (lhs: Verdict, rhs: Verdict) -> Bool {
            switch (lhs, rhs) {
            case (.none, .none), (.reset, .reset): return true
            case (.writes(let a), .writes(let b)): return a.map(\.name) == b.map(\.name) && a.map(\.counts) == b.map(\.counts)
            default: return false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .none: hasher.combine(0)
            case .reset: hasher.combine(1)
            case .writes(let tables): for table in tables { hasher.combine(table.name) }
            }
        }
    }

    /// The counters as recorded: `oid:inserted:updated:deleted` per table, comma-separated (all
    /// digits, so the text needs no quoting in the journal or the shell).
    public static func parse(recorded text: String) -> [String: Counts]? {
        var counters: [String: Counts] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: ":")
            guard parts.count == 4, let ins = Int64(parts[1]), let upd = Int64(parts[2]), let del = Int64(parts[3]) else { return nil }
            counters[String(parts[0])] = Counts(inserted: ins, updated: upd, deleted: del)
        }
        return counters
    }

    /// SQL printing the counters in the recorded form, on one line.
    static let recordQuery = """
        SELECT coalesce(string_agg(relid || ':' || n_tup_ins || ':' || n_tup_upd || ':' || n_tup_del, ',' ORDER BY relid), '') FROM pg_stat_user_tables
        """

    /// What the counters' line starts with in a command's output.
    static let marker = "rollout-counters "

    /// Shell text that prints `marker` and the counters of the database `environment` reaches
    /// and records them as the undo's `counters`; it never fails the command. A session that
    /// just ended (the migration's) publishes its counters as its process exits, a moment after
    /// its client did: the counters are read until two reads 0.1 s apart agree (at most a
    /// second), so that the migration's own writes are not later taken for someone else's.
    static func recordScript(environment: [String: String]) -> String {
        let exports = environment.keys.sorted().map { "\($0)=\(ShellWord.quote(environment[$0]!))" }.joined(separator: " ")
        let read =
            (exports.isEmpty ? "" : "export \(exports) && ") + "psql -X -A -t -q -v ON_ERROR_STOP=1 -c \(ShellWord.quote(recordQuery)) 2> /dev/null"
        return """
            if rollout_counters=$(\(read)); then
              rollout_tries=0
              while [ "$rollout_tries" -lt 10 ]; do
                sleep 0.1
                rollout_again=$(\(read)) || break
                [ "$rollout_again" = "$rollout_counters" ] && break
                rollout_counters=$rollout_again; rollout_tries=$((rollout_tries + 1))
              done
              printf '\(marker)%s\\n' "$rollout_counters"
              rollout_undo counters "$rollout_counters"
            fi

            """
    }

    /// The counters a command printed with `recordScript`, as recorded.
    static func recorded(from stdout: String) -> String? {
        stdout.split(separator: "\n").last { $0.hasPrefix(marker) }.map { String($0.dropFirst(marker.count)) }
    }

    /// `result` without the counters' line, so that the step's output and registered `stdout`
    /// are the migration's own.
    static func removingRecord(from result: CommandResult) -> CommandResult {
        var result = result
        let lines = result.stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.contains(where: { $0.starts(with: Array(marker.utf8)) }) else { return result }
        result.stdout = Array(lines.filter { !$0.starts(with: Array(marker.utf8)) }.joined(separator: [UInt8(ascii: "\n")]))
        return result
    }

    /// SQL listing every user table now, one row each: oid, name, inserted, updated, deleted
    /// (for `PostgresClient.queryCommand`).
    static let currentQuery = """
        SELECT relid, CASE WHEN schemaname = 'public' THEN relname ELSE schemaname || '.' || relname END, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables ORDER BY 2;

        """

    /// The tables `currentQuery` printed.
    static func tables(fromQueryRows rows: [[String]]) -> [Table] {
        rows.compactMap { row in
            guard row.count == 5, let ins = Int64(row[2]), let upd = Int64(row[3]), let del = Int64(row[4]) else { return nil }
            return Table(oid: row[0], name: row[1], counts: Counts(inserted: ins, updated: upd, deleted: del))
        }
    }

    /// What moved between the recorded counters and the tables now. A table made since counts
    /// from zero; one dropped since is not a write the restore would lose.
    public static func compare(recorded: [String: Counts], now: [Table]) -> Verdict {
        var writes: [(name: String, counts: Counts)] = []
        for table in now {
            let before = recorded[table.oid] ?? Counts(inserted: 0, updated: 0, deleted: 0)
            let since = Counts(
                inserted: table.counts.inserted - before.inserted, updated: table.counts.updated - before.updated,
                deleted: table.counts.deleted - before.deleted)
            if since.inserted < 0 || since.updated < 0 || since.deleted < 0 { return .reset }
            if !since.isZero { writes.append((table.name, since)) }
        }
        return writes.isEmpty ? .none : .writes(writes)
    }

    /// The verdict in words, or nil when there is nothing to lose: "payments: 1 row inserted
    /// since the deploy; restoring would delete it".
    public static func objection(_ verdict: Verdict, database: String) -> String? {
        switch verdict {
        case .none:
            return nil
        case .reset:
            return
                "the write counters of \(database) went back since the deploy (PostgreSQL restarted after a crash, or pg_stat_reset() ran), so Rollout cannot tell whether it received writes that restoring the dump would delete"
        case .writes(let tables):
            return tables.map { table in
                let counts = table.counts
                var parts: [String] = []
                if counts.inserted > 0 { parts.append("\(rows(counts.inserted)) inserted") }
                if counts.updated > 0 { parts.append(parts.isEmpty ? "\(rows(counts.updated)) updated" : "\(counts.updated) updated") }
                if counts.deleted > 0 { parts.append(parts.isEmpty ? "\(rows(counts.deleted)) deleted" : "\(counts.deleted) deleted") }
                let consequence =
                    counts.updated == 0 && counts.deleted == 0
                    ? "restoring would delete \(counts.inserted == 1 ? "it" : "them")" : "restoring would undo these writes"
                return "\(table.name): \(parts.joined(separator: ", ")) since the deploy; \(consequence)"
            }.joined(separator: "; ")
        }
    }

    private static func rows(_ count: Int64) -> String { count == 1 ? "1 row" : "\(count) rows" }
}
