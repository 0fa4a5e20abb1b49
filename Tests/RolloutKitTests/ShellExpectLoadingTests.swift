import Foundation
import RolloutKit
import Testing

/// `expect:` on shell steps: loading and each mistake at its file:line:column.
@Suite struct ShellExpectLoadingTests {
    @Test func exitCodesAndOutputAssertionsLoad() throws {
        let (result, _) = try PlaybookFixture.steps(
            """
              - shell: ./healthcheck
                expect: { exit: [0, 3], stdout_contains: [ok, "{{ base_url }}"], stdout_matches: 'revision r\\d+', stderr_contains: warn, stderr_matches: "^$" }
            """)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.rendered())")
        let shell = try #require(result.loaded?.playbook.steps.first?.step as? ShellStep)
        #expect(shell.expectExit == [0, 3])
        #expect(shell.expectOutput.stdoutContains.map(\.source) == ["ok", "{{ base_url }}"])
        #expect(shell.expectOutput.stdoutMatches == ["revision r\\d+"])
        #expect(!shell.batchable, "its output is judged with the step's context")
    }

    @Test func expectExitAndExpectTogetherAreRefused() throws {
        let (result, fixture) = try PlaybookFixture.steps(
            """
              - shell: ./healthcheck
                expect_exit: [0]
                1️⃣expect: { exit: [1] }
            """)
        let diagnostic = try #require(result.diagnostics.first(containing: "takes only one of 'expect_exit' and 'expect'"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }

    @Test func aMisspeltExpectationSuggestsTheRightOne() throws {
        let (result, fixture) = try PlaybookFixture.steps(
            """
              - shell: ./healthcheck
                expect: { 1️⃣stdout_contain: ok }
            """)
        let diagnostic = try #require(result.diagnostics.first(containing: "unknown key 'stdout_contain'"))
        #expect(diagnostic.location == fixture["1️⃣"])
        #expect(diagnostic.suggestion == "stdout_contains")
    }

    @Test func anInvalidRegexIsReportedAtItsKey() throws {
        let (result, fixture) = try PlaybookFixture.steps(
            """
              - shell: ./healthcheck
                expect: { 1️⃣stderr_matches: "([" }
            """)
        let diagnostic = try #require(result.diagnostics.first(containing: "'([' is not a valid regular expression"))
        #expect(diagnostic.location == fixture["1️⃣"])
    }
}
