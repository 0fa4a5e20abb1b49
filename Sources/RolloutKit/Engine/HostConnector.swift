public import Foundation

/// Chooses and configures the transport for each host of an inventory: libssh2 by default,
/// the system `ssh` for `transport: openssh`, this machine for `transport: local` or
/// `address: local`.
public struct HostConnector: Sendable {
    public var settings: SSHSettings
    /// Directory relative `identity` and `known_hosts` paths are taken from: the inventory's.
    public var baseDirectory: URL
    /// Login user for hosts that name none.
    public var defaultUser: String

    public init(settings: SSHSettings, baseDirectory: URL, defaultUser: String) {
        self.settings = settings
        self.baseDirectory = baseDirectory
        self.defaultUser = defaultUser
    }

    public func transport(for host: Host) -> any Transport {
        if host.transport == .local || host.address == "local" { return LocalTransport() }
        let target = SSHTarget(
            host: host.address, port: host.port, user: host.user ?? defaultUser,
            identityFile: settings.identity.map(resolve), passphraseVariable: settings.identityPassphraseEnv,
            knownHostsFile: resolve(settings.knownHosts),
            hostKeyPolicy: settings.hostKeyChecking == .acceptNew ? .acceptNew : .strict,
            connectTimeout: settings.connectTimeout)
        return host.transport == .openssh ? OpenSSHTransport(target: target) : SSHTransport(target: target)
    }

    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || path.hasPrefix("~") { return path }
        return baseDirectory.appendingPathComponent(path).standardizedFileURL.path
    }
}
