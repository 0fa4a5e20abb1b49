import Foundation
import TestSupport
import Testing

/// Run records already written on hosts must still roll back after the record format changes.
///
/// `Fixtures/record-b280eb3/` holds what a run of commit b280eb3 left on its host: the journal
/// (`state/runs/*.jsonl`), the copies its undos need (`state/backups`, `state/env-history`), the
/// code repository as a bundle (so its commits keep their ids), and the files as the run left
/// them. Written with that commit's `rollout run` on `address: local`, at /tmp/fixgen/host;
/// the test lays it out again under a temporary directory and rewrites that prefix.
@Suite struct RecordCompatibilityTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/record-b280eb3")
    static let writtenAt = "/tmp/fixgen/host"
    static let commitBefore = "87eb2e2dbc7a332a28b9a1f0a83413b05cc6fc38"

    @Test func aRecordWrittenByCommitB280eb3RollsBack() async throws {
        let files = FileManager.default
        let root = files.temporaryDirectory.appendingPathComponent("record-b280eb3-\(UUID().uuidString)")
        defer { try? files.removeItem(at: root) }
        let host = root.appendingPathComponent("host")
        let project = root.appendingPathComponent("proj")
        try files.createDirectory(at: host.appendingPathComponent("app"), withIntermediateDirectories: true)
        try files.createDirectory(at: project, withIntermediateDirectories: true)

        // The host as the recorded run left it.
        try files.copyItem(at: Self.fixture.appendingPathComponent("state"), to: host.appendingPathComponent("state"))
        let journals = host.appendingPathComponent("state/runs")
        for name in try files.contentsOfDirectory(atPath: journals.path) {
            let url = journals.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: Self.writtenAt, with: host.path)
            try Data(text.utf8).write(to: url)
        }
        try files.copyItem(at: Self.fixture.appendingPathComponent("env.after"), to: host.appendingPathComponent("app/.env"))
        try files.copyItem(at: Self.fixture.appendingPathComponent("app.conf.after"), to: host.appendingPathComponent("app/app.conf"))
        let repo = host.appendingPathComponent("repo").path
        try shell("git clone -q \(Self.fixture.appendingPathComponent("repo.bundle").path) \(repo) && git -C \(repo) checkout -q r2")

        let playbook = try String(contentsOf: Self.fixture.appendingPathComponent("deploy.yml"), encoding: .utf8)
            .replacingOccurrences(of: Self.writtenAt, with: host.path)
        try Data(playbook.utf8).write(to: project.appendingPathComponent("deploy.yml"))
        try files.copyItem(at: Self.fixture.appendingPathComponent("inventory.yml"), to: project.appendingPathComponent("inventory.yml"))

        // The preview reads the old records as each kind's typed record.
        let preview = try await RolloutCLI.run(
            ["rollback", "deploy.yml", "-e", "sandbox"], in: project, environment: ["TEST_API_KEY": "fixture-secret-9f2"])
        #expect(preview.status == 2, "no terminal to confirm on: \(preview.all)")
        #expect(
            preview.stdout.contains("puts back:   \(host.path)/app/.env as it was before the run, from \(host.path)/state/env-history/"),
            "\(preview.stdout)")
        #expect(preview.stdout.contains("puts back:   commit 87eb2e2dbc7a in \(repo)"), "\(preview.stdout)")
        #expect(preview.stdout.contains("puts back:   \(host.path)/app/app.conf as it was before the run"), "\(preview.stdout)")

        let output = try await RolloutCLI.run(
            ["rollback", "deploy.yml", "-e", "sandbox", "--yes"], in: project,
            environment: ["TEST_API_KEY": "fixture-secret-9f2"])
        #expect(output.status == 0, "\(output.all)")

        let env = try Data(contentsOf: host.appendingPathComponent("app/.env"))
        #expect(env == (try Data(contentsOf: Self.fixture.appendingPathComponent("env.before"))))
        let conf = try String(contentsOf: host.appendingPathComponent("app/app.conf"), encoding: .utf8)
        #expect(conf == "listen old\n")
        let head = try shell("git -C \(repo) rev-parse HEAD")
        #expect(head.trimmingCharacters(in: .whitespacesAndNewlines) == Self.commitBefore)
        #expect(!output.all.contains("fixture-secret-9f2"))
    }

    @discardableResult
    private func shell(_ command: String) throws -> String {
        try runLocal("/bin/sh", ["-c", command])
    }
}
