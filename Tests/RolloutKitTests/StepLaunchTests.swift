import Foundation
import Testing

@testable import RolloutKit

/// How `rollout_run` launches a step: as a subshell of the shell that runs it, in that shell's
/// process group (no exec), when the script starts nothing that outlives it; otherwise in a
/// group of its own, so that ending the step after a drop spares what earlier steps started.
struct StepLaunchTests {
    let runID = RunID("20261128T020000Z-5a11")!

    @Test(
        arguments: [
            ("true", true),
            ("cd /srv/app && git pull && echo ok || exit 3", true),
            ("pg_dump app > /tmp/app.sql 2>&1", true),
            ("echo warn >&2; cat <&3", true),
            ("sleep 30 &", false),
            ("nohup ./server >log 2>&1 & echo started", false),
            ("./server &>log", false),
            ("echo $$ > app.pid; exec ./server", false),
            ("echo ${$}", false),
            ("echo $PPID", false),
            ("trap 'kill 0' EXIT; work", false),
            ("pkill -f old-worker", false),
            ("curl 'https://x.test/?a=1&b=2'", false),
        ])
    func aScriptSharesTheShellsGroupOnlyWhenNothingOfItCanOutliveIt(script: String, shares: Bool) {
        #expect(RunJournal.sharesShellGroup(script) == shares, "\(script)")
    }

    /// Runs `script` in a shell that leads its own process group, as sshd starts a session's.
    func runLeadingAGroup(_ script: String) throws -> ShellProcess.Outcome {
        try ShellProcess.run("exec setsid -w /bin/sh -c \(ShellWord.quote(script))")
    }

    @Test func stepsRunInPlaceOneAfterAnotherLeaveTheShellAsItWas() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = RunJournal(stateDirectory: dir.path, runID: runID, host: "h1")
        let first = journal.wrap(stepIndex: 0, name: "first", kind: "shell", userScript: "cd /; x=changed; set -e; umask 077; exit 3")
        let probe = """
            echo "cwd=$(pwd) x=${x-unset} opts=$- umask=$(umask) marker=${rollout_marker:-unset} args=$#"
            read -r _ _ _ _ group _ < /proc/self/stat; echo "group=$group"
            """
        let second = journal.wrap(stepIndex: 1, name: "second", kind: "shell", userScript: probe)
        let result = try runLeadingAGroup(
            """
            cd \(ShellWord.quote(dir.path)); umask 022; rollout_marker=rollout-end-secret
            \(journal.library().definitions)
            \(first)
            echo "first=$?"
            \(second)
            echo "shell=$$"
            """)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "first=3")
        let probed = lines.count > 1 ? lines[1] : ""
        #expect(probed.hasPrefix("cwd=\(dir.path) x=unset opts="), "\(lines)")
        #expect(probed.hasSuffix(" umask=0022 marker=unset args=0"), "\(lines)")
        let options = probed.split(separator: " ").first { $0.hasPrefix("opts=") } ?? ""
        #expect(!options.contains("e"), "the step before's set -e reached this one: \(probed)")
        let shell = try #require(lines.last.map { String($0.dropFirst("shell=".count)) })
        #expect(lines.contains("group=\(shell)"), "the step ran outside the shell's group: \(lines)")
        let journalled = try String(contentsOfFile: journal.path, encoding: .utf8)
        #expect(journalled.contains(#""event":"step_ended","index":0,"exit_code":3"#))
        #expect(journalled.contains(#""event":"step_ended","index":1,"exit_code":0"#))
        #expect(try String(contentsOfFile: journal.processGroupPath, encoding: .utf8).isEmpty)
    }

    @Test func aStepThatStartsSomethingInTheBackgroundGetsAGroupOfItsOwn() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = RunJournal(stateDirectory: dir.path, runID: runID, host: "h1")
        let step = journal.wrap(
            stepIndex: 0, name: "server", kind: "shell",
            userScript:
                "sleep 30 & read -r _ _ _ _ group _ < /proc/self/stat; echo \"group=$group\"; cat \(ShellWord.quote(journal.processGroupPath)); kill $!"
        )
        let result = try runLeadingAGroup("\(journal.library().definitions)\n\(step)\necho \"shell=$$\"")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines[0] != "group=" + lines[2].dropFirst("shell=".count), "the step shares the shell's group")
        // The group file names the step's own group, the one `stopScript` ends after a drop.
        #expect("group=" + lines[1] == lines[0])
    }

    @Test func aSignalToTheShellEndsTheStepInItsGroupAndTheStepIsRecorded() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = RunJournal(stateDirectory: dir.path, runID: runID, host: "h1")
        let ticks = dir.appendingPathComponent("ticks").path
        let step = journal.wrap(
            stepIndex: 0, name: "writer", kind: "shell",
            userScript: "while :; do echo tick >> \(ShellWord.quote(ticks)); sleep 0.05; done")
        // The shell gets TERM while the step runs, as from a Ctrl-C's kill of its group.
        let result = try runLeadingAGroup(
            """
            \(journal.library().definitions)
            ( while [ ! -s \(ShellWord.quote(ticks)) ]; do sleep 0.02; done; kill -TERM $$ ) &
            \(step)
            echo "not reached"
            """)
        #expect(result.status == 143, "\(result.stdout) \(result.stderr)")
        #expect(!result.stdout.contains("not reached"))
        let size = try FileManager.default.attributesOfItem(atPath: ticks)[.size] as? Int
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try FileManager.default.attributesOfItem(atPath: ticks)[.size] as? Int == size, "the writer still runs")
        let journalled = try String(contentsOfFile: journal.path, encoding: .utf8)
        #expect(journalled.contains(#""event":"step_ended","index":0,"exit_code":143"#))
    }
}
