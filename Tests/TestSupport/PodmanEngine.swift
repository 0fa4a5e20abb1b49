public import Foundation

/// A Podman engine of the test process (`scripts/podman-engine`): its own storage, Docker's API
/// on a socket of its own, and `localhost/bookworm:latest` from the host image. The compose
/// commands reach it through `environment`. Stopped by the script's watchdog (containers
/// removed, storage unmounted) when the test process ends.
public final class PodmanEngine: Sendable {
    public let directory: URL
    /// CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and DOCKER_HOST for podman and every compose.
    public let environment: [String: String]

    public static let shared: PodmanEngine = {
        do {
            return try PodmanEngine()
        } catch {
            fatalError("cannot start the podman engine: \(error)")
        }
    }()

    private init() throws {
        directory = URL(fileURLWithPath: "/tmp/rollout-test-podman/\(TestProcess.id)")
        let output = try runLocal(
            packageRoot.appendingPathComponent("scripts/podman-engine").path, ["start", directory.path, "--watch", String(getpid())])
        var environment: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        self.environment = environment
    }

    /// Runs `podman arguments…` against this engine; its stdout.
    @discardableResult
    public func podman(_ arguments: [String]) throws -> String {
        try runLocal("/usr/bin/env", environment.map { "\($0.key)=\($0.value)" }.sorted() + ["/usr/bin/podman"] + arguments)
    }

    /// The compose commands this machine has, of the three Rollout looks for.
    public static var composeCommands: [String] {
        var found: [String] = []
        if (try? runLocal("/bin/sh", ["-c", "docker compose version"])) != nil { found.append("docker compose") }
        for command in ["docker-compose", "podman-compose"] where FileManager.default.isExecutableFile(atPath: "/usr/bin/\(command)") {
            found.append(command)
        }
        return found
    }
}
