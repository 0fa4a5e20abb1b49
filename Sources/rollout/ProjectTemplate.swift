import Foundation
import RolloutKit

/// A starting point for a new deployment project, as `rollout init` writes it: the files of one
/// directory under Templates/. Its playbook (`playbook.yml`) names the project (`name: myapp`);
/// scaffolding replaces that name everywhere, its upper-case form (in environment variable
/// names such as `MYAPP_DB_PASSWORD`) and its database form (`myapp_db`, the database and its
/// role: `billing_api` for `billing-api`) with the new project's.
struct ProjectTemplate: Sendable {
    struct File: Sendable {
        /// Relative to the project directory.
        var path: String
        var text: String
    }

    var name: String
    var files: [File]

    /// Where the templates' `# yaml-language-server: $schema=` lines find the schemas in the checkout.
    static let checkoutSchemas = "../../schemas/"

    /// The file `rollout plan` and `rollout run` are given.
    static let playbookPath = "playbook.yml"

    /// The first sentence of the playbook's leading comment, for `rollout init --list`.
    var summary: String {
        let comment = playbookText.split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { $0.hasPrefix("#") }
            .filter { !$0.hasPrefix("# yaml-language-server:") }
            .map { $0.dropFirst().trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        // A sentence ends at a dot followed by a space: the dot of `.env` is not an end.
        var index = comment.startIndex
        while let dot = comment[index...].firstIndex(of: ".") {
            let next = comment.index(after: dot)
            if next == comment.endIndex || comment[next] == " " { return String(comment[...dot]) }
            index = next
        }
        return comment
    }

    /// The name the template's files give the project: the value of the playbook's `name:`.
    var projectName: String {
        for line in playbookText.split(separator: "\n") where line.hasPrefix("name:") {
            return line.dropFirst("name:".count).trimmingCharacters(in: .whitespaces)
        }
        return name
    }

    /// The files with the project named `project` instead of the template's own name.
    func files(forProject project: String) -> [File] {
        // The templates point at the checkout's schemas/; a project has its own copy.
        var replacements = [(Self.checkoutSchemas, FileSchema.projectDirectory + "/")]
        if project != projectName {
            // The database form first: `myapp_db` names the database and its role (`billing_api`).
            replacements += [
                (projectName + "_db", ProjectName.databaseForm(of: project)),
                (projectName, project),
                (ProjectName.environmentForm(of: projectName), ProjectName.environmentForm(of: project)),
            ]
        }
        return files.map { file in
            var text = file.text
            for (old, new) in replacements where old != new { text = text.replacingOccurrences(of: old, with: new) }
            return File(path: file.path, text: text)
        }
    }

    private var playbookText: String { files.first { $0.path == Self.playbookPath }?.text ?? "" }
}
