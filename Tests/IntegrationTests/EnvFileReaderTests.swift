import Foundation
import TestSupport
import Testing

/// What `set_env` writes is read back exactly by the two readers of a `.env` that run
/// services: systemd's `EnvironmentFile=` (a unit on a container host with systemd as PID 1)
/// and docker compose's `env_file` (each compose this machine has, against Podman). sh and
/// python-dotenv read the same values in `EnvFileTests`.
@Suite(.serialized) struct EnvFileReaderTests {
    static let directory = "/srv/envreaders"

    /// Prints the variables the samples set as JSON (on stdout, or into the file given).
    static let dump =
        "import json, os, sys; d = json.dumps({k: v for k, v in os.environ.items() if k.startswith(('NEW_', 'EXISTING_'))}); "
        + "open(sys.argv[1], 'w').write(d) if len(sys.argv) > 1 else print(d)"

    /// The samples written by `rollout run` (`set_env`) into a `.env` on the container host;
    /// returns the file's bytes. A task, so the tests await it rather than block on it.
    static let written = Task<Data, Never> {
        do {
            let host = ContainerHost.shared
            try host.write("\(directory)/.env", EnvFileSamples.seed, mode: "600")
            let sandbox = try ContainerSandbox(hosts: [host], user: "root")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let values = String(decoding: try encoder.encode(EnvFileSamples.values), as: UTF8.self)
            try sandbox.write(
                "env.yml",
                """
                name: env-readers
                inventory: inventory.yml
                steps:
                  - set_env: { file: "\(directory)/.env", values: \(values) }
                """)
            let output = try await sandbox.rollout(["run", "env.yml", "-e", "sandbox"])
            guard output.status == 0 else { fatalError("set_env could not write the samples: \(output.all)") }
            let encoded = try host.ssh("base64 -w0 \(directory)/.env")
            return Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)) ?? Data()
        } catch {
            fatalError("cannot write the samples with set_env: \(error)")
        }
    }

    func decode(_ json: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
    }

    @Test func systemdsEnvironmentFileReadsBackEveryValue() async throws {
        let host = ContainerHost.shared
        #expect(!(await Self.written.value).isEmpty)
        try host.write(
            "/etc/systemd/system/envdump.service",
            """
            [Unit]
            Description=prints what EnvironmentFile= read
            [Service]
            Type=oneshot
            EnvironmentFile=\(Self.directory)/.env
            ExecStart=/usr/bin/python3 -c "\(Self.dump)" \(Self.directory)/systemd.json
            """)
        try host.ssh("rm -f \(Self.directory)/systemd.json && systemctl daemon-reload && systemctl start envdump")
        let read = try decode(try host.ssh("cat \(Self.directory)/systemd.json"))
        #expect(read == EnvFileSamples.values, "\(Self.differences(read))")
    }

    /// Docker's compose (1.29 here, v2 where installed) reads `env_file` as python-dotenv
    /// does. podman-compose 1.0 is not among them: it hands the file to `podman --env-file`,
    /// which takes every value literally, quotes included (docs/faults.md says so).
    static let dockerComposeCommands = PodmanEngine.composeCommands.filter { $0 != "podman-compose" }

    @Test(arguments: dockerComposeCommands)
    func composesEnvFileReadsBackEveryValue(compose: String) async throws {
        let directory = URL(fileURLWithPath: "/tmp/rollout-sandboxes/\(getpid())-envdump-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await Self.written.value.write(to: directory.appendingPathComponent("app.env"))
        let command = try String(data: JSONEncoder().encode(["python3", "-c", Self.dump]), encoding: .utf8)!
        try """
        version: "3"
        services:
          dump:
            image: localhost/bookworm:latest
            command: \(command)
            env_file: app.env

        """.write(to: directory.appendingPathComponent("compose.yml"), atomically: true, encoding: .utf8)
        let output = try await runLocal(
            "/usr/bin/env",
            PodmanEngine.shared.environment.map { "\($0.key)=\($0.value)" }
                + ["/bin/sh", "-c", "cd '\(directory.path)' && \(compose) -f compose.yml run --rm dump 2>/dev/null"])
        let json = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(output)")
        let read = try decode(String(json))
        #expect(read == EnvFileSamples.values, "\(Self.differences(read))")
    }

    /// The keys a reader read differently, with both values, for the failure message.
    static func differences(_ read: [String: String]) -> [String] {
        EnvFileSamples.values.keys.sorted().compactMap { key in
            let expected = EnvFileSamples.values[key]!
            return read[key] == expected ? nil : "\(key): wrote \(expected.debugDescription), read \(read[key]?.debugDescription ?? "nothing")"
        }
    }
}
