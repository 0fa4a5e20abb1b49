import RolloutKit
let t = SSHTransport(target: SSHTarget(host: "127.0.0.1", port: 22301, user: "rollout-test", identityFile: "/tmp/sbx1/client/id_ed25519", knownHostsFile: "/tmp/sbx1/client/known_hosts"))
let clock = ContinuousClock()
let s = clock.now
do { _ = try await t.run(RemoteCommand("sleep 30", timeout: .seconds(1)), output: nil) } catch { print(error) }
print(clock.now - s)
