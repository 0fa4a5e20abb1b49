/// What to do with a host key that known_hosts does not list. A key that differs from a
/// listed one is always refused: there is no "off".
public enum HostKeyPolicy: String, Sendable, Hashable, Codable {
    /// Refuse hosts that are not in known_hosts (the default).
    case strict
    /// Trust a host seen for the first time and append its key to known_hosts.
    case acceptNew = "accept-new"
}
