/// A port on 127.0.0.1 with nothing listening: bound, then closed.
public func closedLoopbackPort() throws -> Int {
    try SSHTestHost.freePort()
}
