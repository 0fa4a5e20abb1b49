import Foundation
import RolloutKit
import TestSupport
import Testing

/// Host keys, authentication and connection faults, against real sshd instances.
@Suite("Transport connections", .serialized)
final class TransportConnectionTests {
    let host: SSHTestHost
    let scratch: URL

    init() async throws {
        host = await SSHTestHost.shared
        scratch = URL(fileURLWithPath: "/tmp/rollout-connection-tests/\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func newKey(_ type: String, passphrase: String = "") throws -> String {
        let path = scratch.appendingPathComponent("id_\(type)_\(UUID().uuidString.prefix(8))").path
        try runLocal("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", "test", "-f", path])
        return path
    }

    private func knownHosts(_ text: String) throws -> String {
        let path = scratch.appendingPathComponent("known_hosts_\(UUID().uuidString.prefix(8))").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a changed host key is refused, with both fingerprints and the fix")
    func hostKeyMismatch() async throws {
        let impostor = try newKey("ed25519")
        let publicKey = try String(contentsOfFile: impostor + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let path = try knownHosts("# comment\n[127.0.0.1]:\(host.port) \(publicKey)\n")
        let expected = try await runLocal("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", impostor + ".pub"]).split(separator: " ")[1]
        let offered = try await runLocal("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", host.directory.path + "/sshd/ssh_host_ed25519_key.pub"])
            .split(
                separator: " ")[1]
        for transport: any Transport in [
            SSHTransport(target: host.target(knownHostsFile: path)), OpenSSHTransport(target: host.target(knownHostsFile: path)),
        ] {
            do {
                _ = try await transport.run(RemoteCommand("true"), output: nil)
                Issue.record("connected despite a wrong host key")
            } catch let error as TransportError {
                guard case .hostKeyMismatch(_, _, let line, _, _, _) = error else {
                    Issue.record("wrong error: \(error)")
                    continue
                }
                #expect(line == 2)
                #expect(error.description.contains(String(expected)))
                #expect(error.description.contains(String(offered)))
                #expect(error.description.contains("ssh-keygen -R '[127.0.0.1]:\(host.port)' -f \(path)"))
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test("an unknown host is refused under strict checking")
    func unknownHostStrict() async throws {
        let path = try knownHosts("")
        await #expect {
            _ = try await SSHTransport(target: host.target(knownHostsFile: path)).run(RemoteCommand("true"), output: nil)
        } throws: { error in
            guard case .hostKeyUnknown = error as? TransportError else { return false }
            return "\(error)".contains("ssh-keyscan -p \(host.port) 127.0.0.1") && "\(error)".contains("SHA256:")
        }
        await #expect {
            _ = try await OpenSSHTransport(target: host.target(knownHostsFile: path)).run(RemoteCommand("true"), output: nil)
        } throws: { error in
            guard case .hostKeyUnknown = error as? TransportError else { return false }
            return true
        }
    }

    @Test("accept-new trusts a new host once and appends its key; a later change is still refused")
    func acceptNew() async throws {
        let path = scratch.appendingPathComponent("fresh/known_hosts").path
        let transport = SSHTransport(target: host.target(knownHostsFile: path, hostKeyPolicy: .acceptNew))
        #expect(try await transport.run(RemoteCommand("echo in"), output: nil).stdoutText == "in\n")
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.hasPrefix("[127.0.0.1]:\(host.port) ssh-ed25519 "))
        // The appended line is what strict checking then accepts.
        let strict = SSHTransport(target: host.target(knownHostsFile: path))
        #expect(try await strict.run(RemoteCommand("true"), output: nil).succeeded)

        let impostor = try newKey("ed25519")
        let wrong = try knownHosts("[127.0.0.1]:\(host.port) " + (try String(contentsOfFile: impostor + ".pub", encoding: .utf8)))
        await #expect {
            _ = try await SSHTransport(target: host.target(knownHostsFile: wrong, hostKeyPolicy: .acceptNew)).run(RemoteCommand("true"), output: nil)
        } throws: { error in
            guard case .hostKeyMismatch = error as? TransportError else { return false }
            return true
        }
    }

    @Test("a key the server does not know is refused")
    func wrongClientKey() async throws {
        let stranger = try newKey("ed25519")
        for transport: any Transport in [
            SSHTransport(target: host.target(identityFile: stranger)), OpenSSHTransport(target: host.target(identityFile: stranger)),
        ] {
            await #expect {
                _ = try await transport.run(RemoteCommand("true"), output: nil)
            } throws: { error in
                guard case .authenticationFailed(_, let user, _) = error as? TransportError else { return false }
                return user == "rollout-test" && (error as! TransportError).isConnectionFailure
            }
        }
    }

    @Test("an RSA key gets the one-line explanation and remedy; openssh uses it fine")
    func rsaKey() async throws {
        let rsa = try newKey("rsa")
        try host.authorize(publicKeyFile: rsa + ".pub")
        do {
            _ = try await SSHTransport(target: host.target(identityFile: rsa)).run(RemoteCommand("true"), output: nil)
            Issue.record("libssh2 1.10 logged in with an RSA key")
        } catch let error as TransportError {
            guard case .rsaKeyRejected = error else {
                Issue.record("wrong error: \(error)")
                return
            }
            #expect(error.description.contains("ed25519"))
            #expect(error.description.contains("transport: openssh"))
        }
        let result = try await OpenSSHTransport(target: host.target(identityFile: rsa)).run(RemoteCommand("echo rsa"), output: nil)
        #expect(result.stdoutText == "rsa\n")
    }

    @Test("a passphrase comes from the named environment variable")
    func passphrase() async throws {
        let key = try newKey("ed25519", passphrase: "correct horse")
        try host.authorize(publicKeyFile: key + ".pub")
        let variable = "ROLLOUT_TEST_PASSPHRASE_\(UUID().uuidString.prefix(8))"
        setenv(variable, "correct horse", 1)
        #expect(
            try await SSHTransport(target: host.target(identityFile: key, passphraseVariable: variable)).run(RemoteCommand("true"), output: nil)
                .succeeded)
        #expect(
            try await OpenSSHTransport(target: host.target(identityFile: key, passphraseVariable: variable)).run(RemoteCommand("true"), output: nil)
                .succeeded)
        setenv(variable, "wrong", 1)
        await #expect {
            _ = try await SSHTransport(target: host.target(identityFile: key, passphraseVariable: variable)).run(RemoteCommand("true"), output: nil)
        } throws: { error in
            "\(error)".contains("wrong passphrase in $\(variable)") && !"\(error)".contains("correct horse")
        }
        unsetenv(variable)
        await #expect {
            _ = try await SSHTransport(target: host.target(identityFile: key, passphraseVariable: variable)).run(RemoteCommand("true"), output: nil)
        } throws: { error in
            "\(error)".contains("\(variable) for \(key) is not set")
        }
    }

    @Test("keys from an ssh-agent authenticate; an agent holding only RSA keys gets the RSA remedy")
    func agent() async throws {
        func startAgent(with key: String) throws -> (socket: String, pid: Int32) {
            let socket = scratch.appendingPathComponent("agent-\(UUID().uuidString.prefix(8)).sock").path
            let printed = try runLocal("/usr/bin/ssh-agent", ["-s", "-a", socket])
            let pid = printed.split(whereSeparator: { $0 == ";" || $0.isWhitespace })
                .first { $0.hasPrefix("SSH_AGENT_PID=") }.flatMap { Int32($0.dropFirst("SSH_AGENT_PID=".count)) }
            try runLocal("/usr/bin/env", ["SSH_AUTH_SOCK=\(socket)", "/usr/bin/ssh-add", "-q", key])
            return (socket, try #require(pid))
        }
        let good = try startAgent(with: host.keyFile)
        defer { kill(good.pid, SIGTERM) }
        for transport: any Transport in [
            SSHTransport(target: host.target(agentSocket: good.socket)), OpenSSHTransport(target: host.target(agentSocket: good.socket)),
        ] {
            #expect(try await transport.run(RemoteCommand("whoami")).stdoutText == "rollout-test\n")
        }

        let rsa = try newKey("rsa")
        try host.authorize(publicKeyFile: rsa + ".pub")
        let rsaOnly = try startAgent(with: rsa)
        defer { kill(rsaOnly.pid, SIGTERM) }
        await #expect {
            _ = try await SSHTransport(target: host.target(agentSocket: rsaOnly.socket)).run(RemoteCommand("true"))
        } throws: { error in
            guard case .rsaKeyRejected = error as? TransportError else { return false }
            return "\(error)".contains("ssh-agent")
        }
    }

    @Test("a closed port is 'connection refused', not a hang")
    func refusedPort() async throws {
        let port = try SSHTestHost.freePort()
        let target = SSHTarget(host: "127.0.0.1", port: port, user: "rollout-test", identityFile: host.keyFile, knownHostsFile: host.knownHostsFile)
        for transport: any Transport in [SSHTransport(target: target), OpenSSHTransport(target: target)] {
            await #expect {
                _ = try await transport.run(RemoteCommand("true"), output: nil)
            } throws: { error in
                guard case .connectionRefused = error as? TransportError else { return false }
                return "\(error)".contains("127.0.0.1:\(port)")
            }
        }
    }

    @Test("a port that accepts TCP but never speaks SSH times out as unreachable")
    func silentPort() async throws {
        // A listening socket nobody accepts on: the kernel completes the TCP handshake, then
        // nothing; like a firewall that drops everything after SYN-ACK, or a hung host.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 && listen(fd, 8) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let target = SSHTarget(
            host: "127.0.0.1", port: port, user: "rollout-test", identityFile: host.keyFile,
            knownHostsFile: host.knownHostsFile, connectTimeout: .seconds(1))
        let started = ContinuousClock.now
        await #expect {
            _ = try await SSHTransport(target: target).run(RemoteCommand("true"), output: nil)
        } throws: { error in
            guard case .unreachable = error as? TransportError else { return false }
            return "\(error)".contains("within 1s")
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("sshd killed mid-command: outcome UNKNOWN, then the next command reconnects", arguments: ["ssh", "openssh"])
    func droppedConnection(kind: String) async throws {
        let victim = try await SSHTestHost.start(name: "victim-\(kind)")
        defer { try? victim.stop() }
        let transport: any Transport = kind == "ssh" ? SSHTransport(target: victim.target()) : OpenSSHTransport(target: victim.target())
        #expect(try await transport.run(RemoteCommand("true"), output: nil).succeeded)
        let killer = Task {
            try await Task.sleep(for: .milliseconds(700))
            try victim.crash()
        }
        do {
            _ = try await transport.run(RemoteCommand("echo started; sleep 20"), output: nil)
            Issue.record("the command survived its sshd")
        } catch let error as TransportError {
            #expect(error.outcomeUnknown, "\(error)")
            #expect(error.description.contains("UNKNOWN"))
            #expect(error.description.contains("sleep 20"))
            #expect(error.description.contains(victim.target().endpoint))
        }
        try await killer.value
        try await victim.startSSHD()
        let again = try await transport.run(RemoteCommand("echo back"), output: nil)
        #expect(again.stdoutText == "back\n")
    }

    @Test("several hosts started together are told apart by port")
    func manyHosts() async throws {
        let hosts = try await SSHTestHost.start(count: 3, name: "many")
        defer { for h in hosts { try? h.stop() } }
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for h in hosts {
                group.addTask {
                    let out = try await SSHTransport(target: h.target()).run(RemoteCommand("echo $SSH_CONNECTION"), output: nil)
                    return (h.port, out.stdoutText)
                }
            }
            for try await (port, connection) in group {
                // SSH_CONNECTION = client address, client port, server address, server port.
                #expect(connection.split(separator: " ").last.map { String($0.dropLast()) } == String(port))
            }
        }
    }
}
