import Foundation
import TestSupport
import Testing

/// `restart_service: docker_compose` for real, with each compose command this machine has
/// (Debian 12: docker-compose 1.29 and podman-compose 1.0; no `docker compose` v2 plugin)
/// against a Podman engine (`PodmanEngine`), on a host reached with `address: local`.
@Suite(.serialized) struct ComposeRunTests {
    /// A web app image built from the host image (no registry here): answers every GET with
    /// `revision=<APP_REVISION>`, exits at start with CRASH_ON_START=yes.
    static let image: String = {
        let directory = PodmanEngine.shared.directory.appendingPathComponent("image")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try #"""
            import http.server, os, sys
            if os.environ.get("CRASH_ON_START") == "yes":
                print("fatal: CRASH_ON_START=yes, the app refuses to start", file=sys.stderr, flush=True)
                sys.exit(3)
            body = ("revision=%s\n" % os.environ.get("APP_REVISION", "none")).encode()
            class Health(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            print("web: serving", flush=True)
            http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Health).serve_forever()
            """#.write(to: directory.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
            try "FROM localhost/bookworm:latest\nCOPY app.py /app/app.py\nCMD [\"python3\", \"-u\", \"/app/app.py\"]\n"
                .write(to: directory.appendingPathComponent("Containerfile"), atomically: true, encoding: .utf8)
            try PodmanEngine.shared.podman(["build", "--quiet", "-t", "localhost/rollout-web:1", directory.path])
        } catch {
            fatalError("cannot build the compose test image: \(error)")
        }
        return "localhost/rollout-web:1"
    }()

    /// A compose project (its own directory) with service `web` published on a free loopback port.
    struct Project {
        let directory: URL
        let port: Int
        var composeFile: String { directory.appendingPathComponent("compose.yml").path }
        var healthURL: String { "http://127.0.0.1:\(port)/" }

        func composeText(command: String = "python3 -u /app/app.py") -> String {
            """
            version: "3"
            services:
              web:
                image: \(ComposeRunTests.image)
                command: \(command)
                env_file: app.env
                ports: ["127.0.0.1:\(port):8000"]
                stop_signal: SIGKILL

            """
        }

        func health() throws -> String {
            try runLocal("/usr/bin/curl", ["-sf", "--max-time", "2", healthURL]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A project running r1, started with `compose` by hand.
    func project(_ compose: String) throws -> Project {
        let directory = URL(fileURLWithPath: "/tmp/rollout-sandboxes/\(getpid())-compose\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let project = Project(directory: directory, port: try SSHTestHost.freePort())
        try project.composeText().write(toFile: project.composeFile, atomically: true, encoding: .utf8)
        try "APP_REVISION=r1\n".write(to: directory.appendingPathComponent("app.env"), atomically: true, encoding: .utf8)
        try runLocal(
            "/usr/bin/env",
            PodmanEngine.shared.environment.map { "\($0.key)=\($0.value)" }
                + ["/bin/sh", "-c", "cd '\(directory.path)' && \(compose) -f compose.yml up -d web"])
        let deadline = Date().addingTimeInterval(30)
        while (try? project.health()) == nil, Date() < deadline { usleep(200_000) }
        #expect(try project.health() == "revision=r1")
        return project
    }

    /// Writes a playbook for `project` (an `address: local` host) and runs it with the engine's environment.
    func run(_ project: Project, compose: String, values: String, revision: String, before: String = "") async throws -> (RolloutCLI.Output, Double) {
        // The first command Rollout would find itself is left to it: that proves the detection.
        let command = compose == PodmanEngine.composeCommands.first ? "" : ", compose_command: \(compose)"
        let root = project.directory
        try "environments:\n  sandbox:\n    hosts:\n      h0: { address: local }\n".write(
            to: root.appendingPathComponent("inventory.yml"), atomically: true, encoding: .utf8)
        try """
        name: compose
        inventory: inventory.yml
        steps:
        \(before)
          - name: New settings
            set_env: { file: "\(root.path)/app.env", values: { \(values) } }
          - name: Restart web
            restart_service: { docker_compose: web, compose_file: "\(project.composeFile)"\(command), healthy_within: 60s, health_url: "\(project.healthURL)", expect_revision: "\(revision)" }
        """.write(to: root.appendingPathComponent("deploy.yml"), atomically: true, encoding: .utf8)
        // Root's PATH on a server: podman needs iptables (/usr/sbin) to publish a port.
        let environment = PodmanEngine.shared.environment.merging(["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]) { $1 }
        let output = try await RolloutCLI.run(["run", "deploy.yml", "-e", "sandbox"], in: root, environment: environment)
        return (output, output.duration / .seconds(1))
    }

    /// What CI installs: without these the parameterized tests below would have nothing to run.
    @Test func thisMachineHasDockerComposeAndPodmanCompose() {
        #expect(PodmanEngine.composeCommands.contains("docker-compose"))
        #expect(PodmanEngine.composeCommands.contains("podman-compose"))
    }

    @Test(arguments: PodmanEngine.composeCommands)
    func aDeployRecreatesTheServiceWithTheNewEnvFile(compose: String) async throws {
        let project = try project(compose)
        let (output, _) = try await run(project, compose: compose, values: "APP_REVISION: r2", revision: "revision=r2")
        #expect(output.status == 0, "\(output.all)")
        #expect(try project.health() == "revision=r2")
    }

    @Test(arguments: PodmanEngine.composeCommands)
    func aContainerThatExitsAtStartFailsAtOnceWithItsLogsAndThePreviousOneServes(compose: String) async throws {
        let project = try project(compose)
        let (output, seconds) = try await run(project, compose: compose, values: #"CRASH_ON_START: "yes""#, revision: "revision=r1")
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("its container exited (3)"), "\(output.all)")
        // Seen in full runs with both composes: Podman 4.3 handed back the log of the container
        // that had just exited as `web_1  | ` and nothing else, still after the step's 3 s of
        // looking again (a clean-clone CI run of 2026-11-28, the machine busy with the other
        // suites). The failure and its exit code are asserted above either way.
        withKnownIssue("Podman 4.3's container log is sometimes empty right after the container exited", isIntermittent: true) {
            #expect(output.all.contains("fatal: CRASH_ON_START=yes, the app refuses to start"), "the container's logs: \(output.all)")
        }
        // Far from the 60 s health wait, undo included.
        #expect(seconds < 30, "took \(seconds) s")
        #expect(try project.health() == "revision=r1")
        print("\(compose): a container exiting at start failed the run and was rolled back in \(String(format: "%.1f", seconds)) s")
    }

    @Test(arguments: PodmanEngine.composeCommands)
    func aChangedComposeFileIsPutBackAndTheServiceRecreatedWhenItFails(compose: String) async throws {
        let project = try project(compose)
        let before = try String(contentsOfFile: project.composeFile, encoding: .utf8)
        try project.composeText(command: "python3 -u /app/missing.py").write(
            to: project.directory.appendingPathComponent("compose.new.yml"), atomically: true, encoding: .utf8)
        let (output, _) = try await run(
            project, compose: compose, values: "APP_REVISION: r2", revision: "revision=r2",
            before: """
                  - name: New compose file
                    upload: { src: compose.new.yml, dest: "\(project.composeFile)" }
                """)
        #expect(output.status == 1, "\(output.all)")
        #expect(output.all.contains("missing.py"), "the new compose file was used: \(output.all)")
        #expect(try String(contentsOfFile: project.composeFile, encoding: .utf8) == before)
        #expect(try project.health() == "revision=r1")
    }
}
