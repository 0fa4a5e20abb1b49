import ArgumentParser
import Foundation
import RolloutKit

/// `rollout schema playbook|inventory|checks`: prints the JSON Schema editors and validators
/// use for that kind of file.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of playbooks, inventories or check suites, for editors and CI.",
        discussion: """
            The schemas are generated from the same option tables `rollout lint` checks keys \
            against, so they list exactly the keys rollout accepts, with their meaning. \
            `rollout init` and `rollout import` write them into .schema/ beside the files, \
            whose first line (# yaml-language-server: $schema=…) points editors such as VS \
            Code's YAML extension at them. `rollout lint` still checks more than a schema can \
            (references, files, hosts).

            Examples:
              rollout schema playbook > .schema/playbook.schema.json
              check-jsonschema --schemafile .schema/playbook.schema.json deploy.yml
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case playbook, inventory, checks
    }

    @Argument(help: ArgumentHelp("playbook, inventory or checks.", valueName: "kind"))
    var kind: Kind

    func run() {
        print(FileSchema(rawValue: kind.rawValue)!.text, terminator: "")
    }
}
