public import Foundation

extension Inventory {
    /// Reports an `ssh.identity` key file that is not on this machine, at the inventory's
    /// `identity:` line, before anything connects: found only when connecting it was a
    /// "could not connect" (exit 5) with no line to fix.
    ///
    /// Only when a host of `environmentName` (every environment when nil) is reached over SSH;
    /// relative paths start from `directory`, the inventory's.
    func checkIdentityFile(for environmentName: String?, from directory: URL, resolver: SecretResolver, sink: DiagnosticSink) {
        guard let identity = ssh.identity, let location = ssh.identityLocation else { return }
        let hosts = environments.filter { environmentName == nil || $0.name == environmentName }.flatMap(\.hosts)
        guard hosts.contains(where: { $0.transport != .local && $0.address != "local" }) else { return }
        let expanded = resolver.expand(identity)
        let path = expanded.hasPrefix("/") ? expanded : directory.appendingPathComponent(expanded).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        let shown = path == identity ? identity : "\(identity) (\(path))"
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            sink.error(
                "ssh identity \(shown) does not exist on this machine; give the path of the private key, or leave 'identity' out to use the SSH agent",
                at: location)
        } else if isDirectory.boolValue {
            sink.error("ssh identity \(shown) is a directory; give the path of the private key file", at: location)
        }
    }
}
