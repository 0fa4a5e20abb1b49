import Foundation
import RolloutKit
import TestSupport

/// Files written to a fresh temporary directory, with position markers (1️⃣ … 9️⃣) taken out of
/// the text and remembered as locations, in the way swift-format's tests mark findings.
struct PlaybookFixture {
    static let markers = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]

    let directory: URL
    /// Marker → where it stood (file named as written in `files`).
    private(set) var locations: [String: FileLocation] = [:]

    init(_ files: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("rollout-playbook-\(UUID().uuidString)", isDirectory: true)
        for (name, marked) in files {
            let (text, found) = Self.strip(marked, file: name)
            locations.merge(found) { first, _ in first }
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    subscript(marker: String) -> FileLocation {
        guard let location = locations[marker] else { fatalError("no marker \(marker) in the fixture") }
        return location
    }

    /// Loads `name` as a playbook, naming files relative to the fixture directory.
    func load(
        _ name: String = "deploy.yml", environment: String? = nil, env: [String: String] = [:],
        overrides: [String: String] = [:], lenient: Bool = false
    ) -> PlaybookLoader.Result {
        let loader = PlaybookLoader(
            environmentName: environment, overrides: overrides, lenientAboutMachine: lenient,
            resolver: SecretResolver(environment: env, homeDirectory: directory.path))
        return loader.load(url(name), name: name)
    }

    /// Lints `names` from inside the fixture directory, so messages name files relative to it.
    func lint(_ names: [String], environment: String? = nil, env: [String: String] = [:]) -> Diagnostics {
        Linter(environmentName: environment, resolver: SecretResolver(environment: env, homeDirectory: directory.path), baseDirectory: directory)
            .lint(names)
    }

    private static func strip(_ marked: String, file: String) -> (String, [String: FileLocation]) {
        var text = ""
        var found: [String: FileLocation] = [:]
        var line = 1
        var column = 1
        var rest = Substring(marked)
        outer: while let character = rest.first {
            for marker in markers where rest.hasPrefix(marker) {
                found[marker] = FileLocation(file: file, line: line, column: column)
                rest = rest.dropFirst(marker.count)
                continue outer
            }
            text.append(character)
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
            rest = rest.dropFirst()
        }
        return (text, found)
    }

    /// A small valid inventory: environment `staging` with host `web1` in groups app and db,
    /// environment `production` with `app1` (app, db) and `app2` (app).
    /// A playbook of `steps` (YAML list items) with the shared inventory, loaded for
    /// `production`.
    static func steps(_ steps: String) throws -> (PlaybookLoader.Result, PlaybookFixture) {
        let fixture = try PlaybookFixture([
            "deploy.yml": """
            name: demo
            inventory: inventory.yml
            steps:
            \(steps)
            """,
            "inventory.yml": PlaybookFixture.inventory,
        ])
        return (fixture.load(environment: "production"), fixture)
    }

    static let inventory = """
        environments:
          staging:
            vars: { base_url: "http://127.0.0.1:8080" }
            hosts:
              web1: { address: 127.0.0.1, port: 2222, user: deploy, groups: [app, db] }
          production:
            vars: { base_url: "https://example.com" }
            hosts:
              app1: { address: 203.0.113.10, user: deploy, groups: [app, db] }
              app2: { address: 203.0.113.11, user: deploy, groups: [app] }
        ssh: { host_key_checking: strict }

        """
}

extension Diagnostics {
    /// The one diagnostic whose message contains `text`.
    func first(containing text: String) -> Diagnostic? {
        all.first { $0.message.contains(text) }
    }
}
