/// How a database step reaches PostgreSQL on the host: `database`, `user`, `host`, `port`,
/// `password` (usually `{{ secrets.… }}`; given to psql/pg_dump through PGPASSWORD, never argv).
public struct DatabaseConnection: Sendable, Hashable {
    public static let options: [OptionSpec] = [
        OptionSpec("database", .text, "Database name."),
        OptionSpec("user", .text, "Role to connect as."),
        OptionSpec("host", .text, "Server as seen from the host; default the local socket."),
        OptionSpec("port", .numberOrReference, "Server port: a number, or a reference to one."),
        OptionSpec("password", .text, "Given through PGPASSWORD, never argv."),
    ]
    public static let keys = options.names

    public var database: Template
    public var user: Template?
    /// Server host as seen from the deploy host; nil uses the local socket.
    public var host: Template?
    /// A number, or a reference to one (`"{{ db_port }}"`), checked when rendered.
    public var port: Template?
    public var password: Template?

    /// Reads the connection options; nil when `database` is missing (reported if `required`).
    static func read(from options: OptionReader, required: Bool = true) -> DatabaseConnection? {
        let database = options.template("database", required: required)
        let user = options.template("user")
        let host = options.template("host")
        let port = options.template("port")
        if let port, port.isLiteral, !(Int(port.source).map { (1...65535).contains($0) } ?? false) {
            options.error("'port' must be a port number from 1 to 65535, found '\(port.source)'", at: "port")
        }
        let password = options.template("password")
        guard let database else { return nil }
        return DatabaseConnection(database: database, user: user, host: host, port: port, password: password)
    }
}
