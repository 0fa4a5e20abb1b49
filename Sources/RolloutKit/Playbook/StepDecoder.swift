import Foundation

/// Turns one `- …` entry of a `steps:` list into a `StepDefinition`: finds its kind, reads the
/// common fields, hands the rest to the kind.
///
/// A kind's options may be written under the kind (`shell: { run: …, cwd: … }`) or beside it
/// (`shell: …` then `cwd: …`); a bare value stands for the kind's main option.
struct StepDecoder {
    let sink: DiagnosticSink
    let directory: URL
    /// The kinds a step may be (`StepRegistry.kinds`, plus any a test adds).
    let kinds: [any RunnableStep.Type]
    /// The playbook's `callback_defaults:`, handed to `callback` steps.
    var callbackDefaults: CallbackDefaults?

    func decode(_ node: YAMLNode) -> StepDefinition? {
        guard let entries = node.entries else {
            sink.error("a step must be a mapping like '- shell: make', found \(node.kindDescription)", at: node.location)
            return nil
        }
        let names = kinds.map { $0.kind }
        let kindEntries = entries.filter { $0.key.scalar.map(names.contains) ?? false }
        guard let kindEntry = kindEntries.first, let kindName = kindEntry.key.scalar,
            let kind = kinds.first(where: { $0.kind == kindName })
        else {
            reportMissingKind(entries, at: node.location)
            return nil
        }
        if kindEntries.count > 1 {
            sink.error(
                "a step has one kind, but this one has '\(kindName)' and '\(kindEntries[1].key.scalar ?? "")'",
                at: kindEntries[1].key.location)
        }

        let common = OptionReader(
            entries: entries.filter { $0.key.scalar.map(StepDefinition.commonKeys.contains) ?? false },
            context: "a step", location: node.location, allowed: StepDefinition.commonKeys, sink: sink)
        let explicitName = common.string("name")
        let context = explicitName.map { "step '\($0)'" } ?? "the '\(kindName)' step"

        var optionEntries: [YAMLNode.Entry] = []
        switch kindEntry.value.value {
        case .mapping(let mapped):
            optionEntries = mapped
        case .scalar where kindEntry.value.isNull:
            break
        case .scalar:
            if let main = kind.mainOption {
                optionEntries = [YAMLNode.Entry(key: YAMLNode(.scalar(main, quoted: false), at: kindEntry.key.location), value: kindEntry.value)]
            } else {
                sink.error(
                    "'\(kindName)' needs options as a mapping, like \(kindName): { \(kind.optionKeys.prefix(2).map { "\($0): …" }.joined(separator: ", ")) }",
                    at: kindEntry.value.location)
            }
        case .sequence:
            sink.error("'\(kindName)' needs options as a mapping, found a list", at: kindEntry.value.location)
        }
        for entry in entries where entry.key != kindEntry.key {
            guard let key = entry.key.scalar, !StepDefinition.commonKeys.contains(key), !names.contains(key) else { continue }
            if optionEntries.contains(where: { $0.key.scalar == key }) {
                sink.error("'\(key)' is given twice: under '\(kindName)' and beside it", at: entry.key.location)
                continue
            }
            optionEntries.append(entry)
        }
        let options = OptionReader(entries: optionEntries, context: context, location: kindEntry.key.location, allowed: kind.optionKeys, sink: sink)
        let step = kind.init(
            options: options, context: StepDecodingContext(directory: directory, location: node.location, callbackDefaults: callbackDefaults))
        options.finish(extraCandidates: StepDefinition.commonKeys)
        let rawOptions = optionEntries.map { TemplateEntry(key: $0.key.scalar ?? "", value: options.templateTree($0.value)) }

        var on: [String] = []
        var onLocations: [FileLocation] = []
        if let onNode = common.node("on") {
            for item in onNode.items ?? [onNode] {
                guard let name = common.scalarText(item, key: "on") else { continue }
                on.append(name)
                onLocations.append(item.location)
            }
        }
        let runOnce = common.bool("run_once") ?? false
        var when: Condition?
        if let whenNode = common.node("when"), let text = common.scalarText(whenNode, key: "when") {
            do {
                when = try Condition(parsing: text, at: whenNode.location, fileText: sink.fileText(whenNode.location.file))
            } catch {
                sink.error(error.message, at: error.location ?? whenNode.location)
            }
        }
        let timeout = common.duration("timeout", positive: true)
        let retries = common.int("retries", in: 0...100) ?? 0
        let delay = common.duration("delay") ?? .seconds(5)
        let register = common.string("register")
        if let register {
            if !Self.isName(register) {
                common.error("'register' must be a name (letters, digits, _), found '\(register)'", at: "register")
            } else if Scope.reservedNames.contains(register) {
                common.error("'\(register)' is reserved and cannot be a register name", at: "register")
            }
        }
        let ignoreFailure = common.bool("ignore_failure") ?? false
        let beforeUndo = common.bool("before_undo") ?? false
        let verifyAfterRollback = common.bool("verify_after_rollback") ?? true
        common.finish()
        guard let step else { return nil }
        var definition = StepDefinition(
            name: explicitName ?? step.summary, step: step, options: rawOptions, on: on, runOnce: runOnce, when: when,
            timeout: timeout, retries: retries, delay: delay, register: register, ignoreFailure: ignoreFailure,
            location: node.location, onLocations: onLocations)
        definition.beforeUndo = beforeUndo
        definition.skipAfterRollback = !verifyAfterRollback
        return definition
    }

    /// No key names a kind: say which key was probably meant to, or list the kinds.
    private func reportMissingKind(_ entries: [YAMLNode.Entry], at location: FileLocation) {
        let others = entries.filter { $0.key.scalar.map { !StepDefinition.commonKeys.contains($0) } ?? false }
        if let guess = others.first, let key = guess.key.scalar {
            sink.error(
                "unknown step kind '\(key)'", at: guess.key.location,
                suggestion: NameSuggestion.closest(to: key, in: kinds.map { $0.kind } + StepDefinition.commonKeys))
        } else {
            sink.error("this step has no kind; give one of \(kinds.map { $0.kind }.joined(separator: ", "))", at: location)
        }
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}
