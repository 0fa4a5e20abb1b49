import Foundation
import TestSupport
import Testing

/// `serial: 1` across two real app hosts (container hosts with systemd) behind a probe that
/// polls both all along: at every moment of the deploy, and of its rollback, at least one host
/// answers 200.
@Suite(.serialized) struct RollingRestartTests {
    static let hosts: [ContainerHost] = {
        do {
            return try (0..<2).map { try ContainerHost.start(name: "rolling-\($0)") }
        } catch {
            fatalError("cannot boot the rolling restart hosts: \(error)")
        }
    }()

    /// Both hosts run `unit` at r1; the playbook sets r2 (and CRASH_ON_START to the host's
    /// `crash` var) and restarts one host at a time.
    func deploy(unit: String, crashOn: Int? = nil) throws -> (ContainerSandbox, [SystemdHTTPApp]) {
        let apps = try Self.hosts.map { try SystemdHTTPApp(on: $0, unit: unit, env: "APP_REVISION=r1\n") }
        let sandbox = try ContainerSandbox(
            hosts: Self.hosts, user: "deploy",
            vars: apps.indices.map { #"app_port: "\#(apps[$0].port)", crash: "\#($0 == crashOn ? "yes" : "no")""# })
        try sandbox.write(
            "deploy.yml",
            """
            name: rolling-\(unit)
            inventory: inventory.yml
            serial: 1
            steps:
              - name: New release
                set_env: { file: "/srv/\(unit)/.env", values: { APP_REVISION: r2, CRASH_ON_START: "{{ crash }}" } }
              - name: Restart web
                restart_service: { systemd: \(unit), sudo: true, healthy_within: 20s, health_url: "http://127.0.0.1:{{ app_port }}/health", expect_revision: revision=r2 }
            """)
        return (sandbox, apps)
    }

    /// Runs the deploy with the probe polling; the probe's rounds (also kept in its log file).
    func probed(_ sandbox: ContainerSandbox, _ apps: [SystemdHTTPApp]) async throws -> (RolloutCLI.Output, [(time: Double, statuses: [Int])]) {
        let probe = try AvailabilityProbe(urls: apps.map(\.healthURL), log: sandbox.root.appendingPathComponent("probe.log").path)
        usleep(200_000)
        let output = try await sandbox.rollout(["run", "deploy.yml", "-e", "sandbox"])
        usleep(200_000)
        return (output, probe.stop())
    }

    func report(_ rounds: [(time: Double, statuses: [Int])], _ what: String) -> String {
        let partial = rounds.filter { $0.statuses.contains { $0 != 200 } }.count
        return "\(what): \(rounds.count) probe rounds, \(partial) with one host down, 0 with both down"
    }

    @Test func aRollingRestartKeepsOneHostServingAtEveryMoment() async throws {
        let (sandbox, apps) = try deploy(unit: "web-roll")
        let (output, rounds) = try await probed(sandbox, apps)
        #expect(output.status == 0, "\(output.all)")
        // h0 is restarted and healthy before h1 starts.
        let lines = output.stdout.split(separator: "\n").map(String.init)
        let h0Restart = lines.firstIndex { $0.contains("[h0] 2/2 Restart web") }
        let h1Settings = lines.firstIndex { $0.contains("[h1] 1/2 New release") }
        #expect(h0Restart != nil && h1Settings != nil && h0Restart! < h1Settings!, "\(output.stdout)")
        #expect(rounds.count > 20, "the probe hardly ran: \(rounds.count) rounds")
        let bothDown = rounds.filter { !$0.statuses.contains(200) }
        #expect(bothDown.isEmpty, "no host answered 200 at \(bothDown.map(\.time)); probe log \(sandbox.root.path)/probe.log")
        for app in apps { #expect(try app.health() == "revision=r2") }
        print(report(rounds, "rolling restart of 2 hosts"))
    }

    @Test func aFailingSecondHostRollsBackBothWhileOneKeepsServing() async throws {
        let (sandbox, apps) = try deploy(unit: "web-roll-fail", crashOn: 1)
        let (output, rounds) = try await probed(sandbox, apps)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("fatal: CRASH_ON_START=yes"), "\(output.all)")
        #expect(output.stdout.contains("[h0] undo 2/2 Restart web"), "h0, already deployed, is rolled back too: \(output.stdout)")
        let bothDown = rounds.filter { !$0.statuses.contains(200) }
        #expect(bothDown.isEmpty, "no host answered 200 at \(bothDown.map(\.time)); probe log \(sandbox.root.path)/probe.log")
        // h1 went down (it crashed) and h0 answered all along while h1 was rolled back first.
        #expect(rounds.contains { $0.statuses[1] != 200 }, "the probe never saw h1 down")
        for app in apps {
            #expect(try app.health() == "revision=r1")
            #expect(try app.property("ActiveState") == "active")
        }
        print(report(rounds, "failed rolling restart and its rollback"))
    }
}
