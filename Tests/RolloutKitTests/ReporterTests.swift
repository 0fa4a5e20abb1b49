import Foundation
import RolloutKit
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A failed deploy on two hosts whose output leaks a secret, as the engine would report it.
func failedRunEvents(secret: String) -> [RunEvent] {
    let runID = RunID("20261123T134501Z-3f9a")!
    let migrate = StepInfo(index: 1, name: "Migrate <db> & \"check\"", kind: "migrate", total: 3)
    let env = StepInfo(index: 0, name: "Set env", kind: "set_env", total: 3)
    let health = StepInfo(index: 2, name: "Health", kind: "check", total: 3)
    return [
        .runStarted(playbook: "playbooks/youarecoder/deploy.yml", environment: "sandbox", hosts: ["app1", "app2"], runID: runID),
        .stepStarted(host: "app1", step: env),
        .stepFinished(host: "app1", step: env, outcome: .changed, duration: .milliseconds(420), outputTail: ""),
        .stepFinished(host: "app2", step: env, outcome: .ok, duration: .milliseconds(9_870), outputTail: ""),
        .stepStarted(host: "app1", step: migrate),
        .stepFinished(
            host: "app1", step: migrate, outcome: .failed, duration: .seconds(75),
            outputTail: "connecting with key=\(secret)\nERROR \u{1B}[31mrelation\u{1B}[0m missing\u{0}\u{7}\n"),
        .stepFinished(host: "app2", step: health, outcome: .skipped, duration: .zero, outputTail: ""),
        .undoStarted(host: "app1", step: env),
        .undoFinished(host: "app1", step: env, succeeded: true, duration: .milliseconds(130), outputTail: ""),
        .runFinished(
            status: .rolledBack,
            summary: RunSummary(
                exitCode: .restored, failed: [HostStep(host: "app1", step: migrate)],
                undone: [HostStep(host: "app1", step: env)])),
    ]
}

struct ConsoleReporterTests {
    let secret = "pk_live_51Hsecret"

    @Test func plainOutputShowsStepsFailureTailAndWhatToDoNext() {
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(sink: buffer, masker: SecretMasker(secrets: [secret]), style: .plain)
        for event in failedRunEvents(secret: secret) { reporter.handle(event) }
        let text = buffer.text
        #expect(!text.contains(secret))
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("playbook playbooks/youarecoder/deploy.yml · environment sandbox · hosts app1, app2 · run 20261123T134501Z-3f9a"))
        #expect(text.contains("[app1] 1/3 Set env — changed (0.42s)"))
        #expect(text.contains("[app2] 1/3 Set env — ok (9.87s)"))
        #expect(text.contains("[app1] 2/3 Migrate <db> & \"check\" — FAILED (1m15s)"))
        #expect(text.contains("    │ connecting with key=***\n    │ ERROR relation missing\n"))
        #expect(text.contains("[app1] undo 1/3 Set env — restored (0.13s)"))
        #expect(text.contains("Result: failed, previous state restored (exit 1)"))
        #expect(text.contains("Undone:\n  [app1] 1/3 Set env"))
        #expect(text.contains("run again: rollout run playbooks/youarecoder/deploy.yml -e sandbox"))
    }

    @Test func summaryNamesTheRollbackAndUnlockCommands() {
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(sink: buffer, masker: .none, style: .plain)
        let runID = RunID("20261123T134501Z-3f9a")!
        let step = StepInfo(index: 0, name: "git", kind: "git")
        reporter.handle(.runStarted(playbook: "deploy.yml", environment: "production", hosts: ["app1"], runID: runID))
        reporter.handle(
            .runFinished(
                status: .rollbackFailed,
                summary: RunSummary(exitCode: .rollbackIncomplete, notUndone: [HostStep(host: "app1", step: step)], lockLeftHeld: ["app1"])))
        #expect(buffer.text.contains("NOT undone:\n  [app1] 1. git"))
        #expect(buffer.text.contains("retry the rollback: rollout rollback deploy.yml -e production --run 20261123T134501Z-3f9a"))
        #expect(buffer.text.contains("rollout unlock deploy.yml -e production"))
    }

    @Test func colourOnlyOnATerminalWithoutNoColor() {
        #expect(ConsoleStyle.detect(isTerminal: false, environment: [:]) == .plain)
        #expect(ConsoleStyle.detect(isTerminal: true, environment: ["NO_COLOR": "1"]) == ConsoleStyle(colour: false, liveProgress: true))
        #expect(ConsoleStyle.detect(isTerminal: true, environment: [:]) == ConsoleStyle(colour: true, liveProgress: true))
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(sink: buffer, masker: .none, style: ConsoleStyle(colour: true, liveProgress: false))
        reporter.handle(
            .stepFinished(host: "h", step: StepInfo(index: 0, name: "s", kind: "shell"), outcome: .failed, duration: .zero, outputTail: ""))
        #expect(buffer.text.contains("\u{1B}[31mFAILED\u{1B}[0m"))
    }

    @Test func liveLineShowsElapsedTimeOfALongStepOnATerminal() async throws {
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(sink: buffer, masker: .none, style: ConsoleStyle(colour: false, liveProgress: true))
        let step = StepInfo(index: 0, name: "Back up the database", kind: "backup_database")
        reporter.handle(.stepStarted(host: "db1", step: step))
        // The live line appears after a second; on a loaded machine the spinner may draw late.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !buffer.text.contains("[db1] 1. Back up the database "), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        reporter.handle(.stepFinished(host: "db1", step: step, outcome: .changed, duration: .seconds(1), outputTail: ""))
        let text = buffer.text
        #expect(text.contains(/\[db1\] 1\. Back up the database \d+\.\d+s/))
        #expect(text.contains("\r\u{1B}[2K[db1] 1. Back up the database — changed"))
    }

    @Test func liveLineShowsTheLastLineTheCommandPrintedMasked() async throws {
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(
            sink: buffer, masker: SecretMasker(secrets: ["s3cr3t"]), style: ConsoleStyle(colour: false, liveProgress: true))
        let step = StepInfo(index: 2, name: "Install the Python dependencies", kind: "shell")
        reporter.handle(.stepStarted(host: "app1", step: step))
        reporter.commandOutput(
            host: "app1",
            chunk: OutputChunk(
                stream: .stdout, bytes: Array("Collecting flask\nDownloading s3cr3t-1.0.tar.gz\n  \u{1B}[32m30%\u{1B}[0m\rhalf a li".utf8)))
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !buffer.text.contains(" · "), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        reporter.handle(.stepFinished(host: "app1", step: step, outcome: .changed, duration: .seconds(2), outputTail: ""))
        let text = buffer.text
        #expect(text.contains(/\[app1\] 3\. Install the Python depend[^\n]* \d+\.\d+s · 30%/), "\(text)")
        #expect(!text.contains("s3cr3t"))
        #expect(!text.contains("half a li"), "a line that has not ended yet is not shown")
    }

    @Test func commandOutputWritesNothingWithoutATerminal() {
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(sink: buffer, masker: .none, style: .plain)
        let step = StepInfo(index: 0, name: "pip", kind: "shell")
        reporter.handle(.stepStarted(host: "h", step: step))
        reporter.commandOutput(host: "h", chunk: OutputChunk(stream: .stdout, bytes: Array("Collecting flask\n".utf8)))
        reporter.handle(.stepFinished(host: "h", step: step, outcome: .changed, duration: .seconds(14), outputTail: ""))
        #expect(!reporter.showsCommandOutput)
        #expect(buffer.text == "[h] 1. pip — changed (14.0s)\n")
    }
}

struct JSONLinesReporterTests {
    @Test func writesOneMaskedJSONObjectPerEventAsItHappens() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("run.jsonl")
        let reporter = try JSONLinesReporter(url: url, masker: SecretMasker(secrets: ["s3cr3t"]))
        let events = failedRunEvents(secret: "s3cr3t")
        reporter.handle(events[0])
        // Visible to a reader before anything else happens.
        #expect(try String(contentsOf: url, encoding: .utf8).hasSuffix("}\n"))
        for event in events.dropFirst() { reporter.handle(event) }
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == events.count)
        #expect(!lines.contains { $0.contains("s3cr3t") })
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(
            objects.map { $0?["event"] as? String } == [
                "run_started", "step_started", "step_finished", "step_finished", "step_started", "step_finished",
                "step_finished", "undo_started", "undo_finished", "run_finished",
            ])
        #expect(objects[5]?["outcome"] as? String == "failed")
        #expect(objects[5]?["duration_ms"] as? Int == 75_000)
        #expect((objects[5]?["output_tail"] as? String)?.contains("key=***") == true)
        #expect(objects[9]?["exit_code"] as? Int == 1)
    }
}

struct JUnitReporterTests {
    @Test func reportIsWellFormedXMLWithOneCasePerStepAndHost() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("junit.xml")
        let reporter = JUnitReporter(url: url, masker: SecretMasker(secrets: ["s3cr3t"]))
        for event in failedRunEvents(secret: "s3cr3t") { reporter.handle(event) }
        let data = try Data(contentsOf: url)
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("s3cr3t"))

        let collector = JUnitCollector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.suites == [["tests": "4", "failures": "1", "errors": "0", "skipped": "1"]])
        #expect(
            collector.cases.map { $0["classname"]! + " / " + $0["name"]! } == [
                "sandbox.app1 / 1/3 Set env",
                "sandbox.app2 / 1/3 Set env",
                "sandbox.app1 / 2/3 Migrate <db> & \"check\"",
                "sandbox.app2 / 3/3 Health",
            ])
        #expect(collector.cases[2]["time"] == "75.000")
        #expect(collector.failureText.contains("connecting with key=***"))
        #expect(collector.failureText.contains("\\u{0}"))
        #expect(collector.skippedCount == 1)
    }
}

final class JUnitCollector: NSObject, XMLParserDelegate, @unchecked Sendable {
    var suites: [[String: String]] = []
    var cases: [[String: String]] = []
    var failureText = ""
    var skippedCount = 0
    private var inFailure = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:])
    {
        switch name {
        case "testsuite": suites.append(attributes.filter { ["tests", "failures", "errors", "skipped"].contains($0.key) })
        case "testcase": cases.append(attributes)
        case "failure": inFailure = true
        case "skipped": skippedCount += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "failure" { inFailure = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inFailure { failureText += string }
    }
}

/// `--verbose` and the live line: what commands print, line by line, masked.
struct CommandOutputMaskingTests {
    /// A secret of several lines, as a key file read with `{ file: … }` is, made up per run.
    static let keyLines = (1...3).map { "key-line-\($0)-" + UUID().uuidString }
    static let key = keyLines.joined(separator: "\n")

    func chunks(_ text: String, size: Int) -> [OutputChunk] {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: size).map { OutputChunk(stream: .stdout, bytes: Array(bytes[$0..<min($0 + size, bytes.count)])) }
    }

    @Test func verboseMasksASecretThatSpansLinesWhateverTheChunks() {
        for size in [1, 7, 64, 4096] {
            let buffer = TextBuffer()
            let echo = VerboseEcho(masker: SecretMasker(secrets: [Self.key]), sink: buffer)
            for chunk in chunks("reading the key\n\(Self.key)\ndone\n", size: size) { echo.write(host: "app1", chunk: chunk) }
            #expect(buffer.text == "  [app1] reading the key\n  [app1] ***\n  [app1] done\n", "chunks of \(size)")
        }
    }

    @Test func verboseShowsALineAsSoonAsItEndsWhenItCannotBeginASecret() {
        let buffer = TextBuffer()
        let echo = VerboseEcho(masker: SecretMasker(secrets: [Self.key]), sink: buffer)
        echo.write(host: "app1", chunk: OutputChunk(stream: .stdout, bytes: Array("migrating\n".utf8)))
        #expect(buffer.text == "  [app1] migrating\n")
    }

    @Test func theLiveLineNeverShowsALineOfASecretThatSpansLines() async throws {
        let buffer = TextBuffer()
        let reporter = ConsoleReporter(
            sink: buffer, masker: SecretMasker(secrets: [Self.key]), style: ConsoleStyle(colour: false, liveProgress: true))
        let step = StepInfo(index: 0, name: "print the key", kind: "shell")
        reporter.handle(.stepStarted(host: "app1", step: step))
        for chunk in chunks(Self.key + "\n", size: 20) { reporter.commandOutput(host: "app1", chunk: chunk) }
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !buffer.text.contains(" · "), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(buffer.text.contains(" · ***"), "\(buffer.text)")
        reporter.handle(.stepFinished(host: "app1", step: step, outcome: .changed, duration: .seconds(2), outputTail: ""))
        #expect(!buffer.text.contains("key-line-"), "\(buffer.text)")
    }
}
