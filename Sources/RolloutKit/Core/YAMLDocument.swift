import Foundation
import Yams

/// Parses YAML text into a located `YAMLNode`, turning libyaml's syntax errors into diagnostics
/// at their line and column.
enum YAMLDocument {
    /// The root node of `text`, or nil after recording why it could not be read.
    /// `file` is the name used in locations and messages.
    /// Files beyond `limits` are refused before they are composed.
    static func parse(
        _ text: String, file: String, into diagnostics: inout Diagnostics, limits: YAMLLimits = .standard
    ) -> YAMLNode? {
        diagnostics.addSource(text, for: file)
        if let violation = limits.check(text) {
            diagnostics.error(violation.message, at: FileLocation(file: file, line: violation.line, column: violation.column))
            return nil
        }
        let root: Node?
        do {
            // Scalars stay text (`YAMLNode` interprets them where it knows the type), so no
            // implicit tag resolution: the default resolver's regular expressions cost ~3 ms
            // of ICU set-up in every process that reads a playbook.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            let (message, mark) = describe(error)
            let hint = mark.flatMap { character(in: text, line: $0.line, column: $0.column) } == "\t" ? "; YAML indents with spaces, never tabs" : ""
            diagnostics.error(
                "YAML syntax: \(message)\(hint)",
                at: FileLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1))
            return nil
        } catch {
            diagnostics.error("YAML syntax: \(error)", at: FileLocation(file: file, line: 1, column: 1))
            return nil
        }
        guard let root else {
            diagnostics.error("the file is empty", at: FileLocation(file: file, line: 1, column: 1))
            return nil
        }
        return convert(root, file: file, into: &diagnostics)
    }

    /// Reads and parses the file at `url`; `name` is how messages name it.
    static func load(_ url: URL, name: String, into diagnostics: inout Diagnostics, from origin: FileLocation? = nil) -> YAMLNode? {
        // Only regular files, and not read at all beyond the limit: `inventory: /dev/zero` or
        // a file of gigabytes would take all the memory there is.
        if let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]) {
            let location = origin ?? FileLocation(file: name, line: 1, column: 1)
            if values.isRegularFile == false {
                diagnostics.error("'\(name)' is not a regular file", at: location)
                return nil
            }
            if let size = values.fileSize, size > YAMLLimits.standard.maxBytes {
                diagnostics.error(
                    "'\(name)' is \(size) bytes; rollout reads YAML files of at most \(YAMLLimits.standard.maxBytes) bytes",
                    at: location)
                return nil
            }
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            let location = origin ?? FileLocation(file: name, line: 1, column: 1)
            let exists = FileManager.default.fileExists(atPath: url.path)
            diagnostics.error(exists ? "cannot read '\(name)': permission denied" : "no such file: '\(name)'", at: location)
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.error("'\(name)' is not UTF-8 text", at: origin ?? FileLocation(file: name, line: 1, column: 1))
            return nil
        }
        return parse(text, file: name, into: &diagnostics)
    }

    /// `node` as a located `YAMLNode`. A key given twice in one mapping is reported here, for
    /// every mapping of every file, and only its first value kept: YAML forbids it, libyaml
    /// allows it, and a step would otherwise show both values in a plan and run the first.
    private static func convert(_ node: Node, file: String, into diagnostics: inout Diagnostics) -> YAMLNode {
        let mark = node.mark
        let location = FileLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
        switch node {
        case .scalar(let scalar):
            let quoted =
                scalar.style == .singleQuoted || scalar.style == .doubleQuoted
                || scalar.style == .literal || scalar.style == .folded
            return YAMLNode(.scalar(scalar.string, quoted: quoted), at: location)
        case .mapping(let mapping):
            var entries: [YAMLNode.Entry] = []
            var merged: [YAMLNode.Entry] = []
            var written: [String: FileLocation] = [:]
            for pair in mapping {
                let key = convert(pair.key, file: file, into: &diagnostics)
                let value = convert(pair.value, file: file, into: &diagnostics)
                // `<<: *anchor` merge keys: the anchored mapping's entries, unless given here.
                if case .scalar("<<", quoted: false) = key.value {
                    for source in value.items ?? [value] { merged += source.entries ?? [] }
                    continue
                }
                if let name = key.scalar {
                    if let first = written[name] {
                        diagnostics.error(
                            "'\(name)' is given twice in this mapping (first at line \(first.line), column \(first.column)); keep one",
                            at: key.location)
                        continue
                    }
                    written[name] = key.location
                }
                entries.append(YAMLNode.Entry(key: key, value: value))
            }
            var seenMerged = Set<String>()
            for entry in merged {
                guard let key = entry.key.scalar, written[key] == nil, seenMerged.insert(key).inserted else { continue }
                entries.append(entry)
            }
            return YAMLNode(.mapping(entries), at: location)
        case .sequence(let sequence):
            return YAMLNode(.sequence(sequence.map { convert($0, file: file, into: &diagnostics) }), at: location)
        }
    }

    /// The character at 1-based `line` and `column` (counted in Unicode scalars, as libyaml
    /// counts), nil past the text.
    private static func character(in text: String, line: Int, column: Int) -> Unicode.Scalar? {
        guard line >= 1, column >= 1 else { return nil }
        let lines = text.split(separator: "\n", maxSplits: line, omittingEmptySubsequences: false)
        guard line <= lines.count else { return nil }
        let scalars = Array(lines[line - 1].unicodeScalars.prefix(column))
        return scalars.count == column ? scalars[column - 1] : nil
    }

    private static func describe(_ error: YamlError) -> (String, Mark?) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            guard let context else { return (problem, mark) }
            // An unterminated quote is found at the end of the file; where it opened is the
            // line to fix.
            if context.mark.line != mark.line {
                return ("\(problem) (\(context.text) that starts at line \(context.mark.line), column \(context.mark.column))", mark)
            }
            return ("\(problem) (\(context.text))", mark)
        case .reader(let problem, _, _, _):
            return (problem, nil)
        default:
            return ("\(error)", nil)
        }
    }
}
