import Foundation

/// Runs a query with psql on the host and asserts its value or row count.
/// `sql: { query: "select count(*) from payments where oid = 'X'", database: app, expect: { value: "1" } }`.
/// For assertions; change data with `shell` or `migrate`. No undo.
public struct SQLStep: Step {
    public static let kind = "sql"
    public static let mainOption: String? = "query"
    static let expectOptions: [OptionSpec] = [
        OptionSpec("value", .text, "The first column of the first row."),
        OptionSpec("rows", .number, "The row count."),
    ]
    public static let options: [OptionSpec] =
        [
            OptionSpec("query", .text, required: true, "The query, given to psql on stdin."),
            OptionSpec("expect", .mapping(expectOptions), "value or rows."),
        ] + DatabaseConnection.options.requiring("database")
    public static let resultFields = RegisteredResult.commonFields + ["value", "rows"]

    public var query: Template
    public var connection: DatabaseConnection
    /// The first column of the first row must equal this.
    public var expectValue: Template?
    /// The query must return this many rows.
    public var expectRows: Int?

    public init?(options: OptionReader, context: StepDecodingContext) {
        let query = options.template("query", required: true)
        let connection = DatabaseConnection.read(from: options)
        if let expect = options.mapping("expect", allowed: Self.expectOptions.names) {
            expectValue = expect.template("value")
            expectRows = expect.int("rows", in: 0...Int.max)
            if expectValue != nil, expectRows != nil { expect.error("'expect' takes 'value' or 'rows', not both", at: "rows") }
        }
        guard let query, let connection else { return nil }
        self.query = query
        self.connection = connection
    }

    public var mutates: Bool { false }
    public var summary: String { "sql: \(query.shortened)" }
}

extension SQLStep: RunnableStep {
    public func plan(in context: StepContext) async throws -> StepPlan {
        let client = try PostgresClient(connection, in: context)
        var line = "psql \(client.description): \(try context.render(query).masked.oneLine(limit: 200))"
        if let expectValue { line += " — expect value \"\(try context.render(expectValue).masked)\"" }
        if let expectRows { line += " — expect \(expectRows) row\(expectRows == 1 ? "" : "s")" }
        return StepPlan([line], changes: .none)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let client = try PostgresClient(connection, in: context)
        let rendered = try context.render(query)
        let shown = "'\(rendered.masked.oneLine(limit: 80))'"
        let result = try await context.run(
            RemoteCommand(
                PostgresClient.queryCommand, environment: client.environment, stdin: Array((rendered.text + "\n").utf8)))
        var fields = StepRun.commandFields(result)
        guard result.succeeded else {
            return StepRun(
                outcome: .failed, command: result, fields: fields,
                failure: "query \(shown) failed on \(client.description): \(PostgresClient.errorMessage(of: result, masker: context.masker))")
        }
        let rows = PostgresClient.rows(fromQueryOutput: result.stdout)
        let value = rows.first?.first ?? ""
        fields["value"] = value
        fields["rows"] = String(rows.count)
        fields["stdout"] = rows.map { $0.joined(separator: "|") }.joined(separator: "\n")
        var failure: String?
        if let expectValue {
            let expected = try context.render(expectValue)
            if rows.isEmpty {
                failure = "query \(shown) returned no rows; expected the value \"\(expected.masked)\""
            } else if value != expected.text {
                failure = "query \(shown) returned \"\(context.masker.mask(value).oneLine(limit: 200))\"; expected \"\(expected.masked)\""
            }
        }
        if let expectRows, rows.count != expectRows {
            failure = "query \(shown) returned \(rows.count) row\(rows.count == 1 ? "" : "s"); expected \(expectRows)"
        }
        return StepRun(outcome: failure == nil ? .ok : .failed, command: result, fields: fields, failure: failure)
    }

    /// An assertion about the deploy's own data: after a rollback it no longer holds, and is not
    /// meant to.
    public var runsAgainAfterRollback: Bool { false }
}

extension String {
    /// The text on one line (newlines and tabs become spaces), shortened to `limit` characters.
    /// Mask it first: a secret flattened or cut no longer matches.
    fileprivate func oneLine(limit: Int) -> String {
        let flat = split(whereSeparator: { $0.isNewline || $0 == "\t" }).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }
}
