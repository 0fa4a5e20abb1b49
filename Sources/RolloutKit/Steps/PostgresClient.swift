import Foundation

/// How the database steps reach PostgreSQL from a host: a `DatabaseConnection` rendered for one
/// host, and the shell text that dumps, restores and queries with pg_dump, pg_restore and psql.
///
/// Every connection setting goes into the PG* environment (`environment`), which travels on the
/// command's stdin (`RemoteCommand.environment`): neither the password nor anything else of the
/// connection is on a command line, so none of it shows in the host's `ps`.
struct PostgresClient: Sendable, Hashable {
    var database: String
    var user: String?
    /// Server host as seen from the deploy host (or a socket directory); nil: libpq's default.
    var host: String?
    var port: Int?
    /// Only ever in `environment` as PGPASSWORD.
    var password: String?

    init(database: String, user: String? = nil, host: String? = nil, port: Int? = nil, password: String? = nil) {
        self.database = database
        self.user = user
        self.host = host
        self.port = port
        self.password = password
    }

    /// `connection` rendered on the context's host. Only the password may hold a secret: the
    /// others name files and appear in messages and records.
    init(_ connection: DatabaseConnection, in context: StepContext) throws(StepError) {
        func plain(_ template: Template?, _ option: String) throws(StepError) -> String? {
            guard let template else { return nil }
            let rendered = try context.render(template)
            guard !rendered.containsSecrets else { throw context.failure("'\(option)' must not contain a secret (only 'password' may)") }
            return rendered.text
        }
        let database = try plain(connection.database, "database") ?? ""
        guard !database.isEmpty else { throw context.failure("'database' is empty") }
        var port: Int?
        if let text = try plain(connection.port, "port") {
            guard let number = Int(text), (1...65535).contains(number) else {
                throw context.failure("'port' must be a port number from 1 to 65535, got '\(text)'")
            }
            port = number
        }
        self.init(
            database: database, user: try plain(connection.user, "user"), host: try plain(connection.host, "host"),
            port: port, password: try connection.password.map { template throws(StepError) in try context.render(template).text })
    }

    /// The variables psql, pg_dump and pg_restore read the connection from. PGCONNECT_TIMEOUT
    /// keeps an unreachable server from holding the step until its timeout.
    var environment: [String: String] {
        var variables = ["PGDATABASE": database, "PGCONNECT_TIMEOUT": "10", "PGAPPNAME": "rollout"]
        if let user { variables["PGUSER"] = user }
        if let host { variables["PGHOST"] = host }
        if let port { variables["PGPORT"] = String(port) }
        if let password { variables["PGPASSWORD"] = password }
        return variables
    }

    /// "app as app_user on 127.0.0.1:5432", for plans and messages; never the password.
    var description: String {
        var text = database
        if let user { text += " as \(user)" }
        if host != nil || port != nil { text += " on \(host ?? "localhost")" + (port.map { ":\($0)" } ?? "") }
        return text
    }

    /// True when both reach the same database (users and passwords aside).
    func sameDatabase(as other: PostgresClient) -> Bool {
        database == other.database && host == other.host && port == other.port
    }

    /// What a run record keeps to reach the database again: everything but the password.
    var recordFields: [String: String] {
        var fields = ["database": database]
        if let user { fields["user"] = user }
        if let host { fields["host"] = host }
        if let port { fields["port"] = String(port) }
        return fields
    }

    /// The connection `recordFields` describe, without a password.
    init?(recordFields fields: [String: String]) {
        guard let database = fields["database"], !database.isEmpty else { return nil }
        self.init(database: database, user: fields["user"], host: fields["host"], port: fields["port"].flatMap { Int($0) })
    }

    // MARK: - Dump files

    /// The database name as it appears in dump file names: anything but letters, digits, `.`,
    /// `_` and `-` becomes `_`.
    var fileStem: String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return String(database.map { allowed.contains($0) ? $0 : "_" })
    }

    /// `<database>-<run id>-<step, 4 digits>.dump`: names sort by time, and `keep:` and a
    /// `restore_database` without `backup` recognise the dumps of one database by them.
    func dumpName(runID: RunID, step: Int) -> String {
        "\(fileStem)-\(runID.rawValue)-\(String(format: "%04d", step + 1)).dump"
    }

    /// The copy of the database a restore takes first; not a backup `keep:` counts or a
    /// `restore_database` picks by default.
    func safetyDumpName(runID: RunID, step: Int) -> String {
        "\(fileStem)-\(runID.rawValue)-\(String(format: "%04d", step + 1)).before-restore.dump"
    }

    /// What a dump script prints as its last line: `rollout-dump SIZE SHA256 PATH`.
    static let dumpMarker = "rollout-dump "

    /// A dump that `dumpScript` reported.
    struct Dump: Sendable, Hashable {
        var path: String
        var size: String
        var sha256: String
    }

    /// The dump a script reported, from its output.
    static func dump(from stdout: String) -> Dump? {
        for line in stdout.split(separator: "\n").reversed() where line.hasPrefix(dumpMarker) {
            let parts = line.dropFirst(dumpMarker.count).split(separator: " ", maxSplits: 2)
            guard parts.count == 3 else { return nil }
            return Dump(path: String(parts[2]), size: String(parts[0]), sha256: String(parts[1]))
        }
        return nil
    }

    /// Shell text: `pg_dump -Fc` into a temporary name in `directory` (created 0700 when
    /// missing; the file is 0600), read back whole with `pg_restore -f /dev/null` (pg_dump can
    /// exit 0 after a short write on a full disk, and `pg_restore --list` reads only the table
    /// of contents at the front), renamed to `name`; leaves
    /// the path in `$rollout_dump` and prints `dumpMarker` with size and sha256. With `keep`,
    /// then deletes all but the newest `keep` dumps of this database there, except those named
    /// in `protected` (file names: a run that can still be undone restores from them).
    func dumpScript(directory: String, name: String, keep: Int? = nil, protected: Set<String> = []) -> String {
        var script = """
            rollout_dump_dir=\(ShellWord.path(directory))
            [ -d "$rollout_dump_dir" ] || (umask 077 && mkdir -p -- "$rollout_dump_dir") || exit 1
            rollout_dump="$rollout_dump_dir"/\(ShellWord.quote(name))
            rollout_partial="$rollout_dump_dir"/.\(ShellWord.quote(name)).partial
            (umask 077 && pg_dump -Fc -f "$rollout_partial") || { rm -f -- "$rollout_partial"; exit 1; }
            rollout_read=$(pg_restore -f /dev/null "$rollout_partial" 2>&1) || { rm -f -- "$rollout_partial"; printf 'rollout: the dump of %s does not read back whole, so it is no backup (%s); is the disk full?\\n' \(ShellWord.quote(database)) "$(printf '%s\\n' "$rollout_read" | head -n 1)" >&2; exit 1; }
            chmod 600 -- "$rollout_partial" && mv -f -- "$rollout_partial" "$rollout_dump" || exit 1
            printf '\(Self.dumpMarker)%s %s %s\\n' "$(stat -c %s -- "$rollout_dump")" "$(sha256sum < "$rollout_dump" | cut -c1-64)" "$rollout_dump"

            """
        if let keep {
            // The dump just made counts first, and dumps a run may still restore from do not
            // count: sorting by name alone put a protected dump of a run started in the same
            // second ahead of the new one, and `keep: 1` deleted the dump just made.
            script += """
                \(listDumpsFunction)
                { printf '%s\\n' "$rollout_dump"; rollout_dumps "$rollout_dump_dir" | while IFS= read -r rollout_old; do
                  case "${rollout_old##*/}" in \(protectedPattern(protected))) ;; "${rollout_dump##*/}") ;; *) printf '%s\\n' "$rollout_old" ;; esac
                done; } | tail -n +\(keep + 1) | while IFS= read -r rollout_old; do rm -f -- "$rollout_old"; done

                """
        }
        return script
    }

    /// Shell text that fails, saying why, unless the dump can be written in `directory`: the
    /// directory (or the nearest ancestor that exists, when it does not yet) is writable and
    /// has as many bytes free as the database takes (`pg_database_size`), more than a
    /// compressed custom-format dump of it ever needs. A database it cannot reach yet (an
    /// earlier step may start or create it) is the backup's to report when it runs.
    func roomScript(directory: String) -> String {
        """
        rollout_d=\(ShellWord.path(directory))
        # A directory that exists must be writable; one that does not yet may be made by an
        # earlier step (with sudo, say), so only the room of its filesystem is checked.
        if [ -e "$rollout_d" ]; then
          [ -d "$rollout_d" ] && [ -w "$rollout_d" ] || { echo "rollout: cannot write the dump of \(database) in $rollout_d" >&2; exit 1; }
        fi
        while [ ! -e "$rollout_d" ]; do rollout_d=$(dirname -- "$rollout_d"); done
        rollout_need=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -c 'SELECT pg_database_size(current_database())' 2> /dev/null) || rollout_need=0
        rollout_free=$(df -P -B1 -- "$rollout_d" | awk 'NR == 2 { print $4 }')
        [ "$rollout_free" -ge "$rollout_need" ] || { echo "rollout: $rollout_d has $rollout_free bytes free, and the dump of \(database) may need up to $rollout_need (the database's size); free some space or point 'dir' elsewhere" >&2; exit 1; }

        """
    }

    /// A `case` pattern matching exactly the file names in `names` (one that matches nothing
    /// when empty).
    private func protectedPattern(_ names: Set<String>) -> String {
        names.isEmpty ? "''" : names.sorted().map(ShellWord.quote).joined(separator: "|")
    }

    /// Shell function `rollout_dumps DIR`: the paths of this database's dumps in DIR (not the
    /// safety copies of restores), newest first.
    var listDumpsFunction: String {
        let stem = ShellWord.quote(fileStem)
        let digit = "[0-9]"
        let stamp = String(repeating: digit, count: 8) + "T" + String(repeating: digit, count: 6) + "Z"
        return """
            rollout_dumps() { for rollout_f in "$1"/\(stem)-*.dump; do rollout_b=${rollout_f##*/}; case "${rollout_b#\(stem)-}" in \(stamp)-*-\(String(repeating: digit, count: 4)).dump) printf '%s\\n' "$rollout_f" ;; esac; done | sort -r; }
            """
    }

    /// Shell text that sets `$rollout_source` to the newest dump of this database in
    /// `directory`, or fails saying there is none.
    func newestDumpScript(directory: String) -> String {
        """
        \(listDumpsFunction)
        rollout_source=$(rollout_dumps \(ShellWord.path(directory)) | head -n 1)
        [ -n "$rollout_source" ] || { echo "rollout: no dump of \(database) in \(directory); name one with 'backup:'" >&2; exit 1; }

        """
    }

    // MARK: - Restore

    /// What `restoreScript` prints when the restore committed.
    static let restoredMarker = "rollout-restored"

    /// Shell text that restores the dump at `$rollout_source` over the database, in one
    /// transaction: it drops what the database holds now (every schema but `public`, and the
    /// tables, views, sequences, functions and types in `public`, except those of extensions),
    /// so that what a migration added since the dump goes too, then runs the dump as
    /// `pg_restore --clean --if-exists --no-owner` writes it. The transaction commits only when
    /// pg_restore read the whole dump; otherwise the database is left as it was.
    var restoreScript: String {
        """
        pg_restore --list "$rollout_source" > /dev/null || { echo "rollout: $rollout_source is not a dump pg_restore can read" >&2; exit 1; }
        rollout_restored=$( { printf '%s\\n' 'BEGIN;' \(ShellWord.quote(Self.clearDatabaseSQL)); pg_restore --clean --if-exists --no-owner -f - "$rollout_source" && printf '%s\\n' 'COMMIT;' '\\echo \(Self.restoredMarker)'; } | psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -f - ) || exit 1
        [ "$rollout_restored" = \(Self.restoredMarker) ] || { echo "rollout: the restore of $rollout_source did not complete; \(database) was left as it was" >&2; exit 1; }
        echo "restored \(database) from $rollout_source"

        """
    }

    /// SQL that drops the database's contents (see `restoreScript`). The statements are
    /// collected before the first one runs, since a drop cascades to objects listed later.
    static let clearDatabaseSQL = """
        SET client_min_messages = warning;
        DO $rollout$
        DECLARE statement text;
        BEGIN
          FOREACH statement IN ARRAY ARRAY(
            SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname) FROM pg_namespace n
             WHERE n.nspname <> 'public' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
            UNION ALL
            SELECT format('DROP %s IF EXISTS public.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                     WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname)
              FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            UNION ALL
            SELECT format('DROP %s IF EXISTS %s CASCADE', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                     p.oid::regprocedure)
              FROM pg_proc p
             WHERE p.pronamespace = 'public'::regnamespace
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            UNION ALL
            SELECT format('DROP %s IF EXISTS public.%I CASCADE', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname)
              FROM pg_type t
             WHERE t.typnamespace = 'public'::regnamespace
               AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'))
          LOOP
            EXECUTE statement;
          END LOOP;
        END
        $rollout$;
        """

    // MARK: - Queries

    /// psql reading a query on stdin: no psqlrc, unaligned, rows only, stops at the first
    /// error; fields end with U+001F and rows with NUL, so values may hold newlines.
    static let queryCommand = #"psql -X -A -t -q -v ON_ERROR_STOP=1 -F "$(printf '\037')" -0 -f -"#

    /// The rows `queryCommand` printed, each a list of fields (NULL reads as "").
    static func rows(fromQueryOutput stdout: [UInt8]) -> [[String]] {
        stdout.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { record in
            record.split(separator: 0x1F, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// SQL that lists which of `tables` do not exist (`to_regclass`, so `schema.table` works and
    /// a bare name follows the search path).
    static func missingTablesQuery(_ tables: [String]) -> String {
        let literals = tables.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
        return
            "SELECT name FROM unnest(ARRAY[\(literals)]::text[]) WITH ORDINALITY AS t(name, position) WHERE to_regclass(name) IS NULL ORDER BY position;\n"
    }

    /// What a failed psql, pg_dump or pg_restore said, on one line: its first error line
    /// (`pg_dump: error: …`, `ERROR: …`, `FATAL: …`) with the indented lines that continue it;
    /// otherwise how the command ended. Masked with `masker` before it is joined and cut.
    static func errorMessage(of result: CommandResult, masker: SecretMasker) -> String {
        let lines = masker.mask(result.stderrText).split(whereSeparator: \.isNewline).map(String.init)
        guard let first = lines.firstIndex(where: { $0.contains("error:") || $0.contains("ERROR:") || $0.contains("FATAL:") }) else {
            return CommandFailure.describe(result, masker: masker)
        }
        var message = lines[first]
        if let range = message.range(of: #"^psql:[^:]*:[0-9]+: "#, options: .regularExpression) {
            message.removeSubrange(range)
        }
        for line in lines[(first + 1)...] {
            guard line.first == "\t" || line.first == " " else { break }
            message += " " + line.trimmingCharacters(in: .whitespaces)
        }
        message = message.replacingOccurrences(of: "  ", with: " ")
        return String(message.prefix(500))
    }
}

extension PostgresClient {
    /// Fails, saying why, unless a dump of this database can be written in `directory` (see
    /// `roomScript`): a step's `preflight`.
    func checkRoom(in directory: String, context: StepContext) async throws {
        let result = try await context.run(RemoteCommand(roomScript(directory: directory), environment: environment))
        guard result.succeeded else {
            throw context.failure("the dump of \(description) cannot be written: \(Self.errorMessage(of: result, masker: context.masker))")
        }
    }

    /// What replacing this database from a dump now would delete that the deploy did not
    /// write: the writes since `counters` were recorded (see `TableWrites`), in words; nil when
    /// none. One query, reading only statistics. Without recorded counters (a record written
    /// before Rollout kept them, or a migration cut off before it ended) nothing can be told,
    /// and that is the objection.
    func writesObjection(since counters: String?, in context: StepContext) async throws -> String? {
        guard let counters, let recorded = TableWrites.parse(recorded: counters) else {
            return
                "the run record holds no write counters of \(database) from the end of the deploy's change, so Rollout cannot tell whether it received writes that restoring the dump would delete"
        }
        let result = try await context.run(
            RemoteCommand(Self.queryCommand, environment: environment, stdin: Array(TableWrites.currentQuery.utf8)))
        guard result.succeeded else {
            return
                "could not read the write counters of \(description) to check for writes since the deploy: \(Self.errorMessage(of: result, masker: context.masker))"
        }
        let now = TableWrites.tables(fromQueryRows: Self.rows(fromQueryOutput: result.stdout))
        return TableWrites.objection(TableWrites.compare(recorded: recorded, now: now), database: database)
    }

    /// Restores the dump at `path` for an undo. Undoing an earlier run (`rollout rollback`), it
    /// first dumps what is there now, next to the backups, so that the undo loses nothing either.
    func restore(from path: String, in context: StepContext) async throws -> StepRun {
        var script = """
            rollout_source=\(ShellWord.path(path))
            [ -f "$rollout_source" ] || { echo "rollout: the dump $rollout_source is gone; \(database) cannot be restored from it" >&2; exit 1; }

            """
        if context.keepsSafetyCopies {
            script += dumpScript(
                directory: DatabaseConnection.defaultDumpDirectory(stateDirectory: context.stateDirectory),
                name: safetyDumpName(runID: context.runID, step: context.stepIndex))
        }
        script += restoreScript
        let result = try await context.run(RemoteCommand(script, environment: environment))
        return StepRun(
            outcome: result.succeeded ? .changed : .failed, command: result,
            failure: result.succeeded
                ? nil : "could not restore \(description) from \(path): \(Self.errorMessage(of: result, masker: context.masker))")
    }
}
