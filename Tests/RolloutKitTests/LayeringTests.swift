import Foundation
import Testing

/// The layers of RolloutKit, each a folder, may only use the layers below them:
///
///     Core  ←  Transport, HTTP  ←  Steps/API  ←  Steps (kinds, check suites)  ←  Playbook  ←  Engine, Report, Verify
///
/// The compiler sees one module, so this test is what keeps the folders honest: it reads the
/// sources and fails when a file names a type declared in a layer above its own, or when a
/// concrete step kind is named anywhere but its own files and the registry: the playbook, the
/// engine and other kinds reach a kind only through the step protocols.
@Suite struct LayeringTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/RolloutKit")

    /// Layers from the bottom; each entry is the folders of one layer.
    static let layers: [[String]] = [
        ["Core"],
        ["Transport", "HTTP"],
        ["Steps/API"],
        ["Steps", "Steps/Checks"],
        ["Playbook"],
        ["Engine", "Report", "Verify"],
    ]

    struct SourceFile {
        var folder: String
        var name: String
        /// The code without comments, so that prose naming a type does not count.
        var code: String
        /// Top-level types the file declares.
        var declared: [String]
    }

    static func files() throws -> [SourceFile] {
        let manager = FileManager.default
        var result: [SourceFile] = []
        for folder in layers.flatMap({ $0 }) {
            let directory = sources.appendingPathComponent(folder)
            for name in try manager.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                let code = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
                    guard let range = line.range(of: "//") else { return line }
                    return line[..<range.lowerBound]
                }.joined(separator: "\n")
                result.append(SourceFile(folder: folder, name: name, code: code, declared: topLevelTypes(in: code)))
            }
        }
        return result
    }

    static func topLevelTypes(in code: String) -> [String] {
        let keywords: Set<Substring> = ["struct", "enum", "class", "actor", "protocol", "typealias"]
        var names: [String] = []
        for line in code.split(separator: "\n") where line.first?.isLetter == true {
            let words = line.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
            if let at = words.firstIndex(where: { keywords.contains($0) }), at + 1 < words.count {
                names.append(String(words[at + 1]))
            }
        }
        return names
    }

    static func names(_ type: String, in code: String) -> Bool {
        var searchFrom = code.startIndex
        while let range = code.range(of: type, range: searchFrom..<code.endIndex) {
            let before = range.lowerBound == code.startIndex ? nil : code[code.index(before: range.lowerBound)]
            let after = range.upperBound == code.endIndex ? nil : code[range.upperBound]
            let isWordChar = { (c: Character?) in c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            if !isWordChar(before) && !isWordChar(after) { return true }
            searchFrom = range.upperBound
        }
        return false
    }

    static func layer(of folder: String) -> Int {
        layers.firstIndex { $0.contains(folder) }!
    }

    @Test func noFileNamesATypeOfAHigherLayer() throws {
        let files = try Self.files()
        var violations: [String] = []
        for file in files {
            let own = Self.layer(of: file.folder)
            for other in files where Self.layer(of: other.folder) > own {
                for type in other.declared where Self.names(type, in: file.code) {
                    violations.append("\(file.folder)/\(file.name) names \(type) (\(other.folder)/\(other.name))")
                }
            }
        }
        #expect(violations.isEmpty, "\(violations.sorted().joined(separator: "\n"))")
    }

    @Test func concreteStepKindsAreNamedOnlyInTheirOwnFileAndTheRegistry() throws {
        let files = try Self.files()
        let registry = try #require(files.first { $0.name == "StepRegistry.swift" })
        let kinds = registry.code.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasSuffix(".self,") ? String(trimmed.dropLast(".self,".count)) : nil
        }
        #expect(kinds.count >= 12, "the registry's kinds were not found: \(kinds)")
        // A kind's own files: `CallbackStep.swift`, and the helpers named after the kind that
        // only it uses (`CallbackSigner.swift`, `CallbackStep+Signing.swift`).
        func isOwn(_ file: SourceFile, of kind: String) -> Bool {
            file.folder == "Steps" && file.name.hasPrefix(String(kind.dropLast("Step".count)))
        }
        var violations: [String] = []
        for file in files where file.name != "StepRegistry.swift" {
            for kind in kinds where !isOwn(file, of: kind) && Self.names(kind, in: file.code) {
                violations.append("\(file.folder)/\(file.name) names \(kind)")
            }
        }
        #expect(violations.isEmpty, "\(violations.sorted().joined(separator: "\n"))")
    }
}
