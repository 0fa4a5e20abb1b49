/// The deploy lock could not be taken or released for a reason other than another holder
/// (no permission on the state directory, a full disk).
public struct DeployLockError: Error, Sendable, Hashable, CustomStringConvertible {
    public var host: String
    /// The lock directory on the host.
    public var path: String
    /// What the host said.
    public var detail: String

    public init(host: String, path: String, detail: String) {
        self.host = host
        self.path = path
        self.detail = detail
    }

    public var description: String {
        let said = detail.isEmpty ? "" : ": \(detail.split(whereSeparator: \.isNewline).first ?? "")"
        return "cannot use the deploy lock \(path) on \(host)\(said); check that the login user can write its state_dir"
    }
}
