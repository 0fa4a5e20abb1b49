import ArgumentParser
import Foundation
import RolloutKit

/// `rollout init TEMPLATE DIR`: scaffolds a playbook, inventory and check suite from a template
/// compiled into the binary.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a new project: write a playbook, inventory and check suite from a template.",
        discussion: """
            Creates DIR (or uses an existing one) and writes the template's files into it, with \
            the project named after --name, else DIR (or DIR's parent when DIR is a generic \
            name such as deploy, ops or rollout): the playbook's name, its state directory on \
            the hosts, the service and environment variable names, and the database and its role \
            (with _ for -). \
            It never overwrites a file: when one of them already exists, nothing is written.

            Examples:
              rollout init --list
              rollout init basic ./deploy                  (in ~/src/billing: project billing)
              rollout init flask-paytr ./deploy --name billing
              rollout init alembic-stripe-subscriptions ops/rollout --name strategy-api

            Exit status: 0 the files were written · 2 invalid input (unknown template, a file \
            exists already), nothing was written.
            """
    )

    @Argument(help: "The template to start from (see --list).")
    var template: String?

    @Argument(help: ArgumentHelp("The project directory to create or fill.", valueName: "dir"))
    var directory: String?

    @Option(help: ArgumentHelp("The project's name (default: the directory's name, or its parent's for deploy, ops, rollout…).", valueName: "name"))
    var name: String?

    @Flag(help: "List the templates and what each one deploys.")
    var list = false

    func run() throws {
        guard !list, let template else {
            print(Self.templateList(), terminator: "")
            return
        }
        do {
            try scaffold(templateName: template)
        } catch let failure as InitFailure {
            throw failure.reported()
        }
    }

    private func scaffold(templateName: String) throws {
        let names = ProjectTemplate.embedded.map(\.name)
        guard let template = ProjectTemplate.embedded.first(where: { $0.name == templateName }) else {
            let suggestion = NameSuggestion.closest(to: templateName, in: names).map { " (did you mean '\($0)'?)" } ?? ""
            throw InitFailure("unknown template '\(templateName)'\(suggestion); available: \(names.joined(separator: ", ")) (rollout init --list)")
        }
        guard let directory else {
            throw InitFailure("give the directory to create, e.g. rollout init \(template.name) ./deploy")
        }
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        let project = name ?? ProjectName.defaultName(for: target)
        if let problem = ProjectName.problem(with: project) {
            let fix = name == nil ? "; pass --name NAME" : ""
            throw InitFailure("the project name \(problem)\(fix)")
        }
        let files = template.files(forProject: project)
        let shown = files.map { Self.join(directory, $0.path) }

        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw InitFailure("\(directory) exists and is not a directory; give a new or existing directory")
        }
        let existing = zip(files, shown).filter { FileManager.default.fileExists(atPath: target.appendingPathComponent($0.0.path).path) }
        guard existing.isEmpty else {
            throw InitFailure(
                """
                nothing written: \(existing.map(\.1).joined(separator: ", ")) already \
                \(existing.count == 1 ? "exists" : "exist"); move \(existing.count == 1 ? "it" : "them") away or choose another directory
                """)
        }
        try ProjectDirectory.create(target, shown: directory)
        try ProjectDirectory.checkWritable(target, shown: directory)
        do {
            for file in files {
                // withoutOverwriting: a file created since the check above is kept, not replaced.
                try Data(file.text.utf8).write(to: target.appendingPathComponent(file.path), options: .withoutOverwriting)
            }
            try FileSchema.write(into: target)
        } catch {
            throw ProjectDirectory.failure(writing: error, into: directory)
        }
        print(Self.summary(template: template, project: project, directory: directory, shown: shown, target: target), terminator: "")
    }

    /// What was created and what to do next, with the environments and secrets of the new files.
    private static func summary(template: ProjectTemplate, project: String, directory: String, shown: [String], target: URL) -> String {
        let playbook = join(directory, ProjectTemplate.playbookPath)
        let loaded = PlaybookLoader(resolveSecrets: false, lenientAboutMachine: true)
            .load(target.appendingPathComponent(ProjectTemplate.playbookPath)).loaded
        let environments = loaded?.inventory?.environments.map(\.name) ?? []
        let inventory = loaded?.playbook.inventoryURL.map { join(directory, $0.lastPathComponent) }
        let variables =
            loaded?.playbook.secrets.compactMap { secret -> String? in
                if case .environment(let variable) = secret.source { return variable }
                return nil
            } ?? []
        let exports = variables.map { "\($0)=…" }.joined(separator: " ")
        let environment = environments.first ?? "ENV"

        var lines = ["Created project '\(project)' from the \(template.name) template:"]
        lines += shown.map { "  \($0)" }
        lines += ["", "Next:"]
        var steps: [String] = []
        if let inventory {
            let named = environments.isEmpty ? "" : " of each environment (\(environments.joined(separator: ", ")))"
            steps.append("Edit \(inventory) first: the hosts, users and SSH settings\(named).")
        }
        steps.append("Edit \(playbook): its vars, commands and service to match your application.")
        steps.append("rollout lint \(shown.joined(separator: " "))")
        steps.append("rollout plan \(playbook) -e \(environment) --offline    (reads no secret: each shows as <secret NAME>)")
        if !exports.isEmpty {
            steps.append("export \(exports)    (the secrets the playbook reads; or read them with { command: \"op read …\" })")
        }
        steps.append("rollout plan \(playbook) -e \(environment)    (connects, changes nothing)")
        lines += steps.enumerated().map { "  \($0.offset + 1). \($0.element)" }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func templateList() -> String {
        let width = ProjectTemplate.embedded.map(\.name.count).max() ?? 0
        let rows = ProjectTemplate.embedded.map { template in
            "  \(template.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(template.summary)"
        }
        return (["Templates (rollout init TEMPLATE DIR):"] + rows).joined(separator: "\n") + "\n"
    }

    /// `directory/path` as the user wrote the directory, so the printed commands can be pasted.
    private static func join(_ directory: String, _ path: String) -> String {
        directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}
