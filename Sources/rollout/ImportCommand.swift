import ArgumentParser
import Foundation
import RolloutKit

/// `rollout import RUNBOOK.md [-o DIR]`: drafts a playbook, inventory and check suite from a
/// markdown deployment runbook.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Draft a playbook, inventory and check suite from a markdown deployment runbook.",
        discussion: """
            Reads the runbook's shell blocks, .env blocks, endpoint tables and curl lines, and \
            writes DIR/deploy.yml, DIR/inventory.yml and (when the runbook checks endpoints) \
            DIR/checks.yml, which `rollout lint` accepts. pg_dump becomes backup_database, \
            flask db upgrade / alembic upgrade head a migrate step (with the runbook's downgrade \
            as its undo), git pull a git step, pip install a shell step, a .env block a set_env \
            step, systemctl/pm2/docker compose restarts a restart_service step, psql queries sql \
            steps. Every step carries a comment naming the runbook line it came from; what has \
            no step becomes a TODO comment quoting the line. Secret-looking values are never \
            copied: they become secrets read from environment variables when rollout runs. \
            The rollback plan is matched against rollout's own undo, and commands of \
            troubleshooting or monitoring sections are listed, not imported.

            Examples:
              rollout import DEPLOYMENT.md
              rollout import docs/deploy.md -o deploy && rollout lint deploy/*.yml

            It never overwrites a file. Exit status: 0 the files were written · 2 invalid input \
            (unreadable runbook, a file exists already), nothing was written.
            """
    )

    @Argument(help: ArgumentHelp("The runbook (markdown).", valueName: "runbook"))
    var runbook: String

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Directory to write to (default: the runbook's name without its extension).", valueName: "dir"))
    var output: String?

    func run() throws {
        do {
            try write()
        } catch let failure as InitFailure {
            throw failure.reported()
        }
    }

    private func write() throws {
        let source = URL(fileURLWithPath: runbook)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw InitFailure("no such file: \(runbook); give the path of a markdown runbook")
        }
        guard !isDirectory.boolValue else {
            throw InitFailure("\(runbook) is a directory; give the path of a markdown runbook in it")
        }
        guard let data = FileManager.default.contents(atPath: source.path) else {
            throw InitFailure("cannot read \(runbook): permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InitFailure("\(runbook) is not UTF-8 text; give the path of a markdown runbook")
        }
        let directory = output ?? source.deletingPathExtension().lastPathComponent
        let draft = RunbookImporter().draft(text, runbookName: source.lastPathComponent)
        guard !draft.steps.isEmpty else {
            throw InitFailure(
                """
                nothing written: \(runbook) has no deploy command rollout can map \
                (\(draft.todos.count) unmapped, \(draft.asides.reduce(0) { $0 + $1.sources.count }) in troubleshooting or monitoring sections); \
                the commands must be in fenced code blocks (```bash)
                """)
        }
        let files = DraftWriter.files(draft)
        let target = URL(fileURLWithPath: directory)
        let existing = files.map(\.name).filter { FileManager.default.fileExists(atPath: target.appendingPathComponent($0).path) }
        guard existing.isEmpty else {
            throw InitFailure(
                "nothing written: \(existing.map { "\(directory)/\($0)" }.joined(separator: ", ")) already exist\(existing.count == 1 ? "s" : ""); choose another directory with -o"
            )
        }
        try ProjectDirectory.create(target, shown: directory)
        try ProjectDirectory.checkWritable(target, shown: directory)
        do {
            for file in files {
                try Data(file.text.utf8).write(to: target.appendingPathComponent(file.name), options: .withoutOverwriting)
            }
            try FileSchema.write(into: target)
        } catch {
            throw ProjectDirectory.failure(writing: error, into: directory)
        }
        let todos = draft.todos.count + draft.steps.reduce(0) { $0 + $1.notes.filter { $0.hasPrefix("TODO") }.count }
        print("\(draft.steps.count) steps, \(draft.checks.count) checks, \(draft.secrets.count) secrets from the environment, \(todos) TODOs")
        for file in files { print("  wrote \(directory)/\(file.name)") }
        print("  wrote \(directory)/\(FileSchema.projectDirectory)/ (the JSON Schemas your editor checks them with)")
        print("next: read each step against the runbook, then  rollout lint \(directory)/deploy.yml")
    }
}
