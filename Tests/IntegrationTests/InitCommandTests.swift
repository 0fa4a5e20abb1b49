import Foundation
import TestSupport
import Testing

/// What a user sees from the built `rollout init`: the scaffolded project lints and plans as
/// written, nothing is ever overwritten, and the templates compiled into the binary are the
/// ones under Templates/.
@Suite("rollout init: scaffolding a project from a template")
struct InitCommandTests {
    /// A fresh, empty working directory, removed afterwards.
    func withScratchDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    func contents(of directory: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        // .schema/ holds the JSON Schemas rollout writes beside the files, not a template file.
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where !name.hasPrefix(".") {
            files[name] = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        return files
    }

    @Test("a new project in ./deploy is named after the directory it is for, lints clean and plans offline as created")
    func scaffoldLintsAndPlans() async throws {
        try await withScratchDirectory { scratch in
            let checkout = scratch.appendingPathComponent("billing")
            try FileManager.default.createDirectory(at: checkout, withIntermediateDirectories: true)
            let created = try await RolloutCLI.run(["init", "basic", "./deploy"], in: checkout)
            #expect(created.status == 0, "\(created.all)")
            #expect(created.stderr.isEmpty)
            let project = checkout.appendingPathComponent("deploy")
            #expect(Set(try contents(of: project).keys) == ["playbook.yml", "inventory.yml", "checks.yml"])
            for line in [
                "Created project 'billing' from the basic template:", "  ./deploy/playbook.yml",
                "Edit ./deploy/inventory.yml first", "export BILLING_DB_PASSWORD=…",
                "rollout lint ./deploy/checks.yml ./deploy/inventory.yml ./deploy/playbook.yml",
                "rollout plan ./deploy/playbook.yml -e staging --offline",
            ] {
                #expect(created.stdout.contains(line), "missing `\(line)` in:\n\(created.stdout)")
            }
            let playbook = try #require(try contents(of: project)["playbook.yml"])
            #expect(
                playbook.contains("\nname: billing\n") && playbook.contains("database: billing, user: billing,") && !playbook.contains("deploy_db"),
                "\(playbook)")

            let secret = ["BILLING_DB_PASSWORD": "s3cret-db-password"]
            let lint = try await RolloutCLI.run(
                ["lint", "-e", "staging", "deploy/playbook.yml", "deploy/inventory.yml", "deploy/checks.yml"],
                in: checkout, environment: secret)
            #expect(lint.status == 0, "\(lint.all)")
            #expect(lint.stdout == "3 files: no problems found\n", "\(lint.all)")

            let plan = try await RolloutCLI.run(["plan", "deploy/playbook.yml", "-e", "staging", "--offline"], in: checkout, environment: secret)
            #expect(plan.status == 0, "\(plan.all)")
            #expect(plan.stdout.contains("Plan for 'billing'"), "\(plan.stdout)")
            #expect(!plan.stdout.contains("s3cret-db-password"))
        }
    }

    @Test(
        "each shape's template (flask-paytr, fastapi-stripe, alembic-stripe-subscriptions) lints clean and plans offline as created, with a database name that needs no quoting"
    )
    func shapeTemplatesLintAndPlan() async throws {
        try await withScratchDirectory { scratch in
            for template in ["flask-paytr", "fastapi-stripe", "alembic-stripe-subscriptions"] {
                let created = try await RolloutCLI.run(["init", template, template, "--name", "billing-api"], in: scratch)
                #expect(created.status == 0, "\(template): \(created.all)")
                let files = try contents(of: scratch.appendingPathComponent(template))
                #expect(Set(files.keys) == ["playbook.yml", "inventory.yml", "checks.yml"])
                #expect(files["playbook.yml"]?.contains("\nname: billing-api\n") == true)
                #expect(files["inventory.yml"]?.contains("db_name: billing_api\n") == true, "\(template): \(files["inventory.yml"] ?? "")")
                #expect(files["inventory.yml"]?.contains("/opt/billing-api") == true)
                #expect(!files.values.joined().lowercased().contains("myapp"), "\(template)")
                // Every secret the playbook reads, set, so lint -e and plan see no unreadable one.
                let playbook = files["playbook.yml"] ?? ""
                let variables = playbook.split(separator: "\n").compactMap { line -> String? in
                    guard let range = line.range(of: "{ env: ") else { return nil }
                    return line[range.upperBound...].split(separator: " ").first.map(String.init)
                }
                #expect(!variables.isEmpty && variables.allSatisfy { $0.hasPrefix("BILLING_API_") || $0.hasPrefix("PAYTR_") }, "\(variables)")
                let secrets = Dictionary(uniqueKeysWithValues: variables.map { ($0, "template-secret-\($0.lowercased())") })
                let paths = ["playbook.yml", "inventory.yml", "checks.yml"].map { "\(template)/\($0)" }
                let lint = try await RolloutCLI.run(["lint", "-e", "staging"] + paths, in: scratch, environment: secrets)
                #expect(lint.status == 0 && lint.stdout == "3 files: no problems found\n", "\(template): \(lint.all)")
                for environment in ["staging", "production"] {
                    let plan = try await RolloutCLI.run(["plan", "\(template)/playbook.yml", "-e", environment, "--offline"], in: scratch)
                    #expect(
                        plan.status == 0 && plan.stdout.contains("Plan for 'billing-api'") && plan.stdout.contains("systemd: billing-api"),
                        "\(template) -e \(environment): \(plan.all)")
                }
            }
        }
    }

    @Test("a second init into the same directory changes nothing and names the files")
    func neverOverwrites() async throws {
        try await withScratchDirectory { scratch in
            #expect(try await RolloutCLI.run(["init", "basic", "app"], in: scratch).status == 0)
            let playbook = scratch.appendingPathComponent("app/playbook.yml")
            try Data("name: edited by hand\n".utf8).write(to: playbook)
            try FileManager.default.removeItem(at: scratch.appendingPathComponent("app/checks.yml"))
            let before = try contents(of: scratch.appendingPathComponent("app"))

            let again = try await RolloutCLI.run(["init", "basic", "app", "--name", "other"], in: scratch)
            #expect(again.status == 2)
            #expect(again.stdout.isEmpty)
            #expect(again.stderr.contains("app/inventory.yml, app/playbook.yml already exist"), "\(again.stderr)")
            #expect(try contents(of: scratch.appendingPathComponent("app")) == before)
        }
    }

    @Test("an existing empty directory is used; a file in the way is refused")
    func existingDirectory() async throws {
        try await withScratchDirectory { scratch in
            let empty = try await RolloutCLI.run(["init", "basic", "."], in: scratch)
            #expect(empty.status == 0, "\(empty.all)")
            #expect(empty.stdout.contains("Created project '\(scratch.lastPathComponent)'"))

            try Data().write(to: scratch.appendingPathComponent("file"))
            let blocked = try await RolloutCLI.run(["init", "basic", "file"], in: scratch)
            #expect(blocked.status == 2)
            #expect(blocked.stderr == "error: file exists and is not a directory; give a new or existing directory\n")
        }
    }

    @Test("a directory that cannot be created is named, with what is in the way")
    func uncreatableDirectory() async throws {
        try await withScratchDirectory { scratch in
            try Data().write(to: scratch.appendingPathComponent("file"))
            let throughFile = try await RolloutCLI.run(["init", "basic", "file/sub", "--name", "x"], in: scratch)
            #expect(throughFile.status == 2)
            #expect(
                throughFile.stderr
                    == "error: cannot create file/sub: \(scratch.path)/file is a file, not a directory; give a directory path that does not go through a file\n"
            )

            let proc = try await RolloutCLI.run(["init", "basic", "/proc/rollout-nope", "--name", "x"], in: scratch)
            #expect(proc.status == 2)
            #expect(proc.stderr.hasPrefix("error: cannot create /proc/rollout-nope: "), "\(proc.stderr)")
            #expect(proc.stderr.hasSuffix("; choose a directory you can write to\n"), "\(proc.stderr)")
            #expect(!proc.stderr.contains("NSCocoaErrorDomain") && !proc.stderr.contains("The operation could not be completed"))
        }
    }

    @Test("an unknown template exits 2 with a suggestion and the available ones")
    func unknownTemplate() async throws {
        try await withScratchDirectory { scratch in
            let run = try await RolloutCLI.run(["init", "basci", "deploy"], in: scratch)
            #expect(run.status == 2)
            #expect(
                run.stderr
                    == "error: unknown template 'basci' (did you mean 'basic'?); available: alembic-stripe-subscriptions, basic, fastapi-stripe, flask-paytr (rollout init --list)\n"
            )
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        }
    }

    @Test("--name names the project everywhere the template names its own; a bad name is refused")
    func nameIsSubstituted() async throws {
        try await withScratchDirectory { scratch in
            let run = try await RolloutCLI.run(["init", "basic", "deploy", "--name", "billing-api"], in: scratch)
            #expect(run.status == 0, "\(run.all)")
            let files = try contents(of: scratch.appendingPathComponent("deploy"))
            let playbook = try #require(files["playbook.yml"])
            #expect(playbook.contains("\nname: billing-api\n"))
            #expect(playbook.contains("app_dir: /opt/billing-api\n"))
            #expect(playbook.contains("{ env: BILLING_API_DB_PASSWORD }"))
            #expect(files["checks.yml"]?.contains("name: billing-api endpoints") == true)
            #expect(!files.values.joined().lowercased().contains("myapp"))

            let bad = try await RolloutCLI.run(["init", "basic", "my app"], in: scratch)
            #expect(bad.status == 2)
            #expect(bad.stderr == "error: the project name 'my app' may contain only letters, digits, '-' and '_'; pass --name NAME\n")
            #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("my app").path))
        }
    }

    @Test("the templates compiled into rollout are exactly Templates/ (else run scripts/embed-templates)")
    func embeddedTemplatesMatchTheSource() async throws {
        let sources = packageRoot.appendingPathComponent("Templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted()
        try await withScratchDirectory { scratch in
            let list = try await RolloutCLI.run(["init", "--list"], in: scratch)
            #expect(list.status == 0)
            let listed = list.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").first.map(String.init) ?? "" }
            #expect(listed == names, "run scripts/embed-templates")
            #expect(list.stdout.contains("  basic                         A small deploy: back up the database"), "\(list.stdout)")
            #expect(list.stdout.contains("  flask-paytr                   A Flask app billed through PayTR"), "\(list.stdout)")
            // The first sentence whole: `.env` within it is no end of one.
            #expect(list.stdout.contains("pip install, the .env, `alembic upgrade head` undone by"), "\(list.stdout)")
            #expect(list.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(".") && !$0.hasSuffix(" .") }, "\(list.stdout)")
            #expect(try await RolloutCLI.run(["init"], in: scratch).stdout == list.stdout)

            for name in names {
                let source = try contents(of: sources.appendingPathComponent(name))
                let projectName = try #require(source["playbook.yml"]?.split(separator: "\n").first { $0.hasPrefix("name: ") })
                    .dropFirst("name: ".count)
                let run = try await RolloutCLI.run(["init", name, name, "--name", String(projectName)], in: scratch)
                #expect(run.status == 0, "\(run.all)")
                // The one change scaffolding makes besides the name: the editor's schema line
                // points at the project's .schema/ instead of the checkout's schemas/.
                let expected = source.mapValues { $0.replacingOccurrences(of: "$schema=../../schemas/", with: "$schema=.schema/") }
                #expect(try contents(of: scratch.appendingPathComponent(name)) == expected, "run scripts/embed-templates")
                let schemas = try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("\(name)/.schema").path)
                #expect(Set(schemas) == ["playbook.schema.json", "inventory.schema.json", "checks.schema.json"])
            }
        }
    }
}
