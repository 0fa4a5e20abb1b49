import Foundation
import RolloutKit
import Testing

/// How a `release` step is read and linted, before any host is touched.
@Suite struct ReleaseStepDecodingTests {
    @Test func lintNamesAMissingSourceDirectoryAFileGivenAsSourceAndABadKeepCount() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": PlaybookFixture.inventory, "build/app/version.txt": "v1\n",
            "deploy.yml": """
            name: release
            inventory: inventory.yml
            steps:
              - release: { 1️⃣src: bild, dir: /srv/app }
              - release: { 2️⃣src: build/app/version.txt, dir: /srv/app }
              - release: { src: build, dir: /srv/app, keep_releases: 3️⃣0 }
              - 4️⃣release: { src: build }
              - release: { src: build, dir: /srv/app, 5️⃣keep: 2 }
            """,
        ])
        let messages = fixture.load().diagnostics.all.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        func expectMessage(_ marker: String, _ prefix: String) {
            #expect(
                messages.contains { $0.hasPrefix("\(fixture[marker].line):\(fixture[marker].column) \(prefix)") }, "\(marker) \(prefix): \(messages)")
        }
        expectMessage("1️⃣", "no such directory to release: 'bild'")
        expectMessage("2️⃣", "no such directory to release: 'build/app/version.txt'")
        expectMessage("3️⃣", "'keep_releases' must be between 1 and 1000, found 0")
        expectMessage("5️⃣", "unknown key 'keep' in the 'release' step")
        expectMessage("4️⃣", "the 'release' step needs 'dir'")
    }

    @Test func aReleaseStepDecodesWithItsDefaultsAndSummary() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": PlaybookFixture.inventory, "build/x": "x",
            "deploy.yml": """
            name: release
            inventory: inventory.yml
            steps:
              - release: { src: build, dir: "/srv/{{ host.name }}" }
            """,
        ])
        let result = fixture.load()
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        let step = try #require(result.loaded?.playbook.steps.first?.step as? ReleaseStep)
        #expect(step.keepReleases == 5 && step.summary == "release build to /srv/{{ host.name }}")
    }
}
