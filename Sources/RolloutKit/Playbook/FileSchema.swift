public import BillingCore
public import Foundation

/// The JSON Schemas (draft 2020-12) of playbooks, inventories and check suites, generated from
/// the option tables the loaders read (`OptionSpec`), for editors (yaml-language-server) and
/// validators (check-jsonschema). A key the loaders do not know is rejected; a `{{ }}`
/// reference is accepted wherever the loaders accept one for a number.
public enum FileSchema: String, CaseIterable, Sendable {
    case playbook, inventory, checks

    /// The schema as JSON text.
    public var text: String { document.serializedString(.pretty) + "\n" }

    /// Its file name: `schemas/` of the checkout and `.schema/` of a project hold these.
    public var fileName: String { "\(rawValue).schema.json" }

    /// The directory, beside the YAML files, where `rollout init` and `rollout import` write the
    /// schemas for the editor.
    public static let projectDirectory = ".schema"

    /// The first line of a generated file of this kind: tells yaml-language-server (VS Code's
    /// YAML extension and others) which schema to check it with.
    public var modeline: String { "# yaml-language-server: $schema=\(Self.projectDirectory)/\(fileName)" }

    /// Writes every schema into `directory/.schema/`, replacing older copies (they belong to
    /// the rollout that wrote them, not to the user).
    public static func write(into directory: URL) throws {
        let target = directory.appendingPathComponent(projectDirectory)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for schema in allCases {
            try Data(schema.text.utf8).write(to: target.appendingPathComponent(schema.fileName), options: .atomic)
        }
    }

    var document: JSONValue {
        let (title, options): (String, [OptionSpec]) =
            switch self {
            case .playbook: ("Rollout playbook", PlaybookLoader.topOptions)
            case .inventory: ("Rollout inventory", InventoryLoader.topOptions)
            case .checks: ("Rollout check suite", CheckSuiteLoader.suiteOptions)
            }
        var root = Self.object(options)
        root = Self.merged(
            root,
            [
                ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                ("$id", .string("urn:rollout:schema:\(rawValue)")),
                ("title", .string(title)),
            ], first: true)
        if self == .playbook { root = Self.merged(root, [("$defs", .object([("step", Self.step)]))]) }
        return root
    }

    /// A `{{ … }}` reference in a string.
    static let reference: JSONValue = .object([("type", .string("string")), ("pattern", .string(#"\{\{.*\}\}"#))])

    static func schema(_ type: OptionSpec.ValueType) -> JSONValue {
        switch type {
        case .text:
            return .object([("type", .array([.string("string"), .string("number"), .string("boolean")]))])
        case .number:
            return .object([("type", .string("integer"))])
        case .numberOrReference:
            return .object([("anyOf", .array([.object([("type", .string("integer"))]), reference]))])
        case .flag:
            return .object([("type", .string("boolean"))])
        case .duration:
            return .object([("type", .string("string")), ("pattern", .string(#"^([0-9]+(ms|s|m|h))+$"#))])
        case .texts:
            return .object([("anyOf", .array([schema(.text), .object([("type", .string("array")), ("items", schema(.text))])]))])
        case .numbers:
            return .object([("anyOf", .array([schema(.number), .object([("type", .string("array")), ("items", schema(.number))])]))])
        case .choice(let words):
            return .object([("enum", .array(words.map(JSONValue.string)))])
        case .textMap:
            return .object([
                ("type", .string("object")),
                ("additionalProperties", .object([("type", .array([.string("string"), .string("number"), .string("boolean"), .string("null")]))])),
            ])
        case .anything:
            return .object([])
        case .mapping(let options):
            return object(options)
        case .list(let item):
            return .object([("type", .string("array")), ("items", schema(item))])
        case .namedMap(let value):
            return .object([("type", .string("object")), ("additionalProperties", schema(value))])
        case .either(let types):
            return .object([("anyOf", .array(types.map(schema)))])
        case .steps:
            return .object([("type", .string("array")), ("items", .object([("$ref", .string("#/$defs/step"))]))])
        }
    }

    /// A mapping of exactly `options` (required ones required).
    static func object(_ options: [OptionSpec], extra: [(key: String, value: JSONValue)] = []) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("object")), ("properties", .object(properties(options) + extra)), ("additionalProperties", .bool(false)),
        ]
        let required = options.filter(\.required).map(\.name)
        if !required.isEmpty { members.append(("required", .array(required.map(JSONValue.string)))) }
        return .object(members)
    }

    static func properties(_ options: [OptionSpec]) -> [(key: String, value: JSONValue)] {
        options.map { ($0.name, merged(schema($0.type), [("description", .string($0.summary))])) }
    }

    /// One playbook step: an include, or exactly one kind with the common fields, its options
    /// under the kind (a mapping, or a bare value for the kind's main option) or beside it.
    static var step: JSONValue {
        var variants: [JSONValue] = []
        for kind in StepRegistry.kinds {
            // Beside the kind, its options are optional: they may be written under it instead.
            let beside = kind.options.map { option -> OptionSpec in
                var option = option
                option.required = false
                return option
            }
            var forms: [JSONValue] = [
                object(
                    kind.options.map { option -> OptionSpec in
                        var option = option
                        option.required = false
                        return option
                    })
            ]
            if let main = kind.mainOption, let option = kind.options.first(where: { $0.name == main }) { forms.append(schema(option.type)) }
            forms.append(.object([("type", .string("null"))]))
            let kindSchema: JSONValue = .object([("anyOf", .array(forms)), ("description", .string("The \(kind.kind) step."))])
            var members = StepDefinition.commonOptions.map { ($0.name, merged(schema($0.type), [("description", .string($0.summary))])) }
            members.append((kind.kind, kindSchema))
            members += properties(beside).filter { name, _ in !StepDefinition.commonKeys.contains(name) }
            variants.append(
                .object([
                    ("type", .string("object")), ("properties", .object(members)), ("required", .array([.string(kind.kind)])),
                    ("additionalProperties", .bool(false)),
                ]))
        }
        variants.append(
            .object([
                ("type", .string("object")),
                (
                    "properties",
                    .object([
                        (
                            "include",
                            .object([("type", .string("string")), ("description", .string("Insert the steps of this file, relative to this one."))])
                        )
                    ])
                ),
                ("required", .array([.string("include")])), ("additionalProperties", .bool(false)),
            ]))
        // First every key any step may have, so that a misspelt one is reported by its name;
        // then which combinations make one step.
        var known = ["include"] + StepDefinition.commonKeys
        for kind in StepRegistry.kinds { known += [kind.kind] + kind.optionKeys.filter { !known.contains($0) } }
        var seen = Set<String>()
        let keys = known.filter { seen.insert($0).inserted }
        return .object([
            (
                "allOf",
                .array([
                    .object([
                        ("type", .string("object")), ("properties", .object(keys.map { ($0, .object([])) })), ("additionalProperties", .bool(false)),
                    ]),
                    .object([("anyOf", .array(variants))]),
                ])
            )
        ])
    }

    static func merged(_ value: JSONValue, _ members: [(key: String, value: JSONValue)], first: Bool = false) -> JSONValue {
        guard case .object(let existing) = value else { return value }
        return .object(first ? members + existing : existing + members)
    }
}
