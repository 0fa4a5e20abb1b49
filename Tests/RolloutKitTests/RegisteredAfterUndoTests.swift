import Foundation
import RolloutKit
import Testing

/// What a step's registered result says once the step is undone: checks run again after a
/// rollback read these, so a check expecting `{{ code.commit }}` is judged against the commit
/// the rollback put back.
@Suite struct RegisteredAfterUndoTests {
    @Test func gitAndReleaseRegisterWhatTheirUndoPutsBack() throws {
        let fixture = try PlaybookFixture([
            "inventory.yml": PlaybookFixture.inventory, "build/app/version.txt": "v1\n",
            "deploy.yml": """
            name: restored
            inventory: inventory.yml
            steps:
              - git: { repo: /srv/app.git, dir: /srv/app, ref: main }
              - release: { src: build, dir: /srv/site }
            """,
        ])
        let steps = try #require(fixture.load().loaded, "\(fixture.load().diagnostics.all)").playbook.steps.map(\.step)
        let git = try #require(steps.first)
        let release = try #require(steps.last)

        let pulled = ["commit": "2222", "previous_commit": "1111", "stdout": "pulled"]
        #expect(git.registeredAfterUndo(pulled)["commit"] == "1111")
        #expect(git.registeredAfterUndo(["commit": "2222", "previous_commit": ""])["commit"] == "2222", "nothing known to put back")

        let released = ["release": "/srv/site/releases/20261127T120000Z-0002", "previous": "releases/20261120T090000Z-0001"]
        #expect(release.registeredAfterUndo(released)["release"] == "/srv/site/releases/20261120T090000Z-0001")
        #expect(release.registeredAfterUndo(released.merging(["previous": "none"]) { $1 })["release"] == released["release"])
    }
}
