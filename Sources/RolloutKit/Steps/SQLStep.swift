/// Runs a query with psql on the host and asserts its value or row count.
/// `sql: { query: "select count(*) from payments where oid = 'X'", database: app, expect: { value: "1" } }`.
/// For assertions; change data with `shell` or `migrate`. No undo.
public struct SQLStep: Step {
    public static let kind = "sql"
    public static let mainOption: String? = "query"
    public static let optionKeys = ["query", "expect"] + DatabaseConnection.keys
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
        if let expect = options.mapping("expect", allowed: ["value", "rows"]) {
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
