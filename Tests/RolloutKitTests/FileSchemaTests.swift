import Foundation
import RolloutKit
import TestSupport
import Testing

/// The generated JSON Schemas, judged by a real validator from PyPI (`check-jsonschema`, in
/// .venv from scripts/python-env.sh): every playbook, inventory and check suite the project
/// ships passes, a misspelt key is rejected, and the copies under schemas/ that the shipped
/// files' `# yaml-language-server` lines name are the ones `rollout schema` prints.
@Suite struct FileSchemaTests {
    static let validator = packageRoot.appendingPathComponent(".venv/bin/check-jsonschema")

    /// `check-jsonschema --schemafile SCHEMA FILES…`.
    func validate(_ files: [String], against schema: FileSchema) throws -> ShellProcess.Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: Self.validator.path), "run scripts/python-env.sh to install check-jsonschema")
        let directory = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let schemaFile = directory.appendingPathComponent(schema.fileName)
        try Data(schema.text.utf8).write(to: schemaFile)
        let quoted = files.map { "'\($0)'" }.joined(separator: " ")
        return try ShellProcess.run("cd '\(packageRoot.path)' && '\(Self.validator.path)' --schemafile '\(schemaFile.path)' \(quoted) 2>&1")
    }

    /// Every YAML file under playbooks/, checks/ and Templates/, by the schema its first line names.
    func shippedFiles() throws -> [FileSchema: [String]] {
        var result: [FileSchema: [String]] = [:]
        for top in ["playbooks", "checks", "Templates"] {
            let root = packageRoot.appendingPathComponent(top)
            guard let walker = FileManager.default.enumerator(atPath: root.path) else { continue }
            for case let path as String in walker where path.hasSuffix(".yml") || path.hasSuffix(".yaml") {
                let relative = "\(top)/\(path)"
                let text = try String(contentsOf: packageRoot.appendingPathComponent(relative), encoding: .utf8)
                let first = text.prefix { $0 != "\n" }
                let kind = FileSchema.allCases.first { first.hasPrefix("# yaml-language-server: $schema=") && first.hasSuffix("/\($0.fileName)") }
                #expect(kind != nil, "\(relative) does not start with a # yaml-language-server: $schema= line")
                if let kind { result[kind, default: []].append(relative) }
            }
        }
        return result
    }

    @Test func everyShippedPlaybookInventoryAndCheckSuitePasses() throws {
        let files = try shippedFiles()
        #expect(files[.playbook]?.count ?? 0 >= 2)
        #expect(files[.inventory]?.count ?? 0 >= 2)
        #expect(files[.checks]?.count ?? 0 >= 2)
        for (schema, paths) in files {
            let outcome = try validate(paths, against: schema)
            #expect(outcome.status == 0, "\(schema): \(outcome.stdout)")
            #expect(outcome.stdout.contains("ok -- validation done"))
        }
    }

    @Test func aMisspeltKeyIsRejected() throws {
        let directory = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let playbook = try String(contentsOf: packageRoot.appendingPathComponent("playbooks/youarecoder/deploy.yml"), encoding: .utf8)
        let cases: [(FileSchema, String, String)] = [
            (.playbook, playbook.replacingOccurrences(of: "healthy_within:", with: "healthy_whithin:"), "healthy_whithin"),
            (.playbook, playbook.replacingOccurrences(of: "run_once: true", with: "run_onse: true"), "run_onse"),
            (.inventory, "environments:\n  prod:\n    hosts:\n      app1: { adress: 10.0.0.1 }\n", "adress"),
            (.checks, "checks:\n  - request: GET /health\n    expcet: { status: 200 }\n", "expcet"),
        ]
        for (index, (schema, text, key)) in cases.enumerated() {
            let file = directory.appendingPathComponent("case\(index).yml")
            try Data(text.utf8).write(to: file)
            let outcome = try validate([file.path], against: schema)
            #expect(outcome.status != 0, "\(key) was accepted")
            #expect(outcome.stdout.contains("'\(key)' was unexpected"), "\(outcome.stdout)")
        }
    }

    @Test func referencesAreAcceptedWhereTheLoaderTakesThem() throws {
        let directory = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("deploy.yml")
        try Data(
            """
            name: app
            inventory: inventory.yml
            steps:
              - backup_database: { database: app, port: "{{ db_port }}" }
              - shell: make
                cwd: /srv/app
                timeout: 5m
            """.utf8
        ).write(to: file)
        #expect(try validate([file.path], against: .playbook).status == 0)
        try Data("name: app\ninventory: i.yml\nsteps:\n  - backup_database: { database: app, port: not-a-port }\n".utf8).write(to: file)
        #expect(try validate([file.path], against: .playbook).status != 0)
    }

    @Test func theCheckoutsSchemasAreCurrent() throws {
        for schema in FileSchema.allCases {
            let file = packageRoot.appendingPathComponent("schemas/\(schema.fileName)")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text == schema.text, "schemas/\(schema.fileName) is stale: rollout schema \(schema.rawValue) > schemas/\(schema.fileName)")
        }
    }

    @Test func everyStepKindAndOptionIsInThePlaybookSchema() {
        let text = FileSchema.playbook.text
        for kind in StepRegistry.kinds {
            #expect(text.contains("\"\(kind.kind)\""))
            for key in kind.optionKeys { #expect(text.contains("\"\(key)\""), "\(kind.kind).\(key)") }
        }
    }
}
