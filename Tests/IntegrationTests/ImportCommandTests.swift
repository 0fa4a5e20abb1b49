import Foundation
import TestSupport
import Testing

/// What a user sees from the built `rollout import`: every fixture runbook drafts into files
/// that the built `rollout lint` accepts, with no runbook secret in them, and nothing is ever
/// overwritten.
@Suite("rollout import: drafting a playbook from a runbook")
struct ImportCommandTests {
    static let runbooks = packageRoot.appendingPathComponent("Tests/Fixtures/runbooks")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: runbooks.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
    }

    func withScratchDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    @Test("the seven fixtures are there")
    func fixturesExist() {
        #expect(Self.names.count >= 7, "\(Self.names)")
    }

    @Test("an imported runbook lints", arguments: names)
    func importedRunbookLints(_ name: String) async throws {
        try await withScratchDirectory { scratch in
            let imported = try await RolloutCLI.run(["import", Self.runbooks.appendingPathComponent(name).path, "-o", "draft"], in: scratch)
            #expect(imported.status == 0, "\(imported.all)")
            #expect(imported.stdout.contains("wrote draft/deploy.yml"), "\(imported.stdout)")
            let files = try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("draft").path).filter {
                $0.hasSuffix(".yml")
            }.sorted().map { "draft/\($0)" }
            #expect(files.contains("draft/inventory.yml"))
            let schemas = try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("draft/.schema").path)
            #expect(Set(schemas) == ["playbook.schema.json", "inventory.schema.json", "checks.schema.json"])
            let linted = try await RolloutCLI.run(["lint"] + files, in: scratch)
            #expect(linted.status == 0, "\(name):\n\(linted.all)")
            #expect(!linted.all.contains("error:"), "\(linted.all)")
        }
    }

    @Test("a runbook with nothing to deploy writes nothing and says why")
    func nothingToImport() async throws {
        try await withScratchDirectory { scratch in
            try Data("# Notes\n\nJust prose, and `ls` inline.\n".utf8).write(to: scratch.appendingPathComponent("notes.md"))
            let output = try await RolloutCLI.run(["import", "notes.md"], in: scratch)
            #expect(output.status == 2)
            #expect(output.stderr.contains("nothing written: notes.md has no deploy command rollout can map"), "\(output.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("notes").path))
        }
    }

    @Test("a runbook that is missing, a directory or not text is named as such")
    func unreadableRunbook() async throws {
        try await withScratchDirectory { scratch in
            let missing = try await RolloutCLI.run(["import", "nothere.md"], in: scratch)
            #expect(missing.status == 2)
            #expect(missing.stderr == "error: no such file: nothere.md; give the path of a markdown runbook\n")

            try FileManager.default.createDirectory(at: scratch.appendingPathComponent("docs"), withIntermediateDirectories: true)
            let directory = try await RolloutCLI.run(["import", "docs"], in: scratch)
            #expect(directory.status == 2)
            #expect(directory.stderr == "error: docs is a directory; give the path of a markdown runbook in it\n")

            try Data([0xff, 0xfe, 0x00]).write(to: scratch.appendingPathComponent("binary.md"))
            let binary = try await RolloutCLI.run(["import", "binary.md"], in: scratch)
            #expect(binary.status == 2)
            #expect(binary.stderr == "error: binary.md is not UTF-8 text; give the path of a markdown runbook\n")
        }
    }

    @Test("import never overwrites a file")
    func neverOverwrites() async throws {
        try await withScratchDirectory { scratch in
            let runbook = Self.runbooks.appendingPathComponent("shipyard-compose-alembic.md").path
            #expect(try await RolloutCLI.run(["import", runbook, "-o", "d"], in: scratch).status == 0)
            let edited = scratch.appendingPathComponent("d/deploy.yml")
            try Data("edited\n".utf8).write(to: edited)
            let again = try await RolloutCLI.run(["import", runbook, "-o", "d"], in: scratch)
            #expect(again.status == 2)
            #expect(again.stderr.contains("nothing written: d/deploy.yml, d/inventory.yml, d/checks.yml already exist"), "\(again.stderr)")
            #expect(try String(contentsOf: edited, encoding: .utf8) == "edited\n")
        }
    }
}
