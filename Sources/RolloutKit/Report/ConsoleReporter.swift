import Foundation

/// The human view of a run: a header, one line per step and host with its result and time,
/// the masked output of what failed, and a summary that says what changed, what was undone
/// and which command to run next.
///
/// On a terminal it also keeps a live line with a spinner, the elapsed time of running steps and
/// the last line the oldest one's command printed (a 14 s `pip install` shows what it is doing);
/// otherwise (pipes, CI) it writes plain lines only, never colour or cursor codes.
public final class ConsoleReporter: Reporter, @unchecked Sendable {
    private let sink: any TextSink
    private let masker: SecretMasker
    private let style: ConsoleStyle
    /// Lines of a failed step's output shown under it.
    private let tailLines: Int

    private let lock = NSLock()
    private var playbook = ""
    private var environment = ""
    private var runID: RunID?
    private var running: [HostStep: ContinuousClock.Instant] = [:]
    private var liveLineShown = false
    private var spinnerFrame = 0
    /// The last non-blank line each host's running command printed, masked; and what came
    /// after it, until its line ends.
    private var lastLine: [String: String] = [:]
    /// Masked bytes of each host's line still waiting for its end.
    private var partialLine: [String: [UInt8]] = [:]
    /// Each host's output is masked as one stream before it is cut into lines, so that a
    /// secret spanning lines (a private key) never shows a line of itself.
    private var outputMasking: [String: SecretMasker.Stream] = [:]
    /// Redraws the live line; a timer on its own queue, so that a busy task pool never
    /// freezes the display.
    private var spinner: (any DispatchSourceTimer)?

    /// Steps running longer than this get the live line.
    static let liveAfter: Duration = .seconds(1)

    public init(sink: any TextSink, masker: SecretMasker, style: ConsoleStyle, tailLines: Int = 20) {
        self.sink = sink
        self.masker = masker
        self.style = style
        self.tailLines = tailLines
    }

    deinit {
        spinner?.cancel()
    }

    public func handle(_ event: RunEvent) {
        lock.withLock {
            clearLiveLine()
            switch event {
            case .runStarted(let playbook, let environment, let hosts, let runID):
                self.playbook = playbook
                self.environment = environment
                self.runID = runID
                emit(bold("rollout") + " playbook \(playbook) · environment \(environment) · hosts \(hosts.joined(separator: ", ")) · run \(runID)")
            case .stepStarted(let host, let step):
                running[HostStep(host: host, step: step)] = .now
                forgetOutput(of: host)
                startSpinnerIfNeeded()
            case .stepFinished(let host, let step, let outcome, let duration, let tail):
                running[HostStep(host: host, step: step)] = nil
                forgetOutput(of: host)
                emit("[\(host)] \(step.label) — \(paint(outcome)) (\(ElapsedText.format(duration)))")
                if outcome == .failed || outcome == .unknown { emitTail(tail) }
            case .undoStarted(let host, let step):
                running[HostStep(host: host, step: step)] = .now
                startSpinnerIfNeeded()
            case .undoFinished(let host, let step, let succeeded, let duration, let tail):
                running[HostStep(host: host, step: step)] = nil
                let result = succeeded ? colour("restored", 32) : colour("UNDO FAILED", 31)
                emit("[\(host)] undo \(step.label) — \(result) (\(ElapsedText.format(duration)))")
                if !succeeded { emitTail(tail) }
            case .runResumed(let host, let from):
                emit("resuming run \(runID.map { "\($0)" } ?? "") on \(host): \(masker.mask(from))")
            case .notice(let text):
                emit(masker.mask(text))
            case .runFinished(let status, let summary):
                running.removeAll()
                spinner?.cancel()
                spinner = nil
                emitSummary(status: status, summary: summary)
            }
            drawLiveLine()
        }
    }

    /// Whether `commandOutput` shows anything: only the live line on a terminal uses it.
    public var showsCommandOutput: Bool { style.liveProgress }

    /// What a running command printed on `host`, as it arrives: its last complete line (a
    /// carriage return ends a line too, as progress bars redraw) goes on the live line.
    public func commandOutput(host: String, chunk: OutputChunk) {
        guard style.liveProgress else { return }
        lock.withLock {
            var stream = outputMasking[host] ?? masker.makeStream()
            var buffer = partialLine[host, default: []] + stream.feed(chunk.bytes)
            outputMasking[host] = stream
            if let end = buffer.lastIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
                let complete = buffer[..<end].split(whereSeparator: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
                if let line = complete.last(where: { !$0.allSatisfy { $0 == 0x20 || $0 == 0x09 } }) {
                    lastLine[host] = Self.stripControlCharacters(String(decoding: line, as: UTF8.self))
                        .trimmingCharacters(in: .whitespaces)
                }
                buffer.removeSubrange(...end)
            }
            // A line that never ends is not shown, and not kept beyond what the live line shows.
            partialLine[host] = Array(buffer.suffix(4096))
        }
    }

    private func forgetOutput(of host: String) {
        lastLine[host] = nil
        partialLine[host] = nil
        outputMasking[host] = nil
    }

    // MARK: - Summary

    private func emitSummary(status: RunStatus, summary: RunSummary) {
        let run = (summary.rolledBackRun ?? runID).map { " --run \($0)" } ?? ""
        let rollback = "rollout rollback \(playbook) -e \(environment)\(run)"
        let rerun = "rollout run \(playbook) -e \(environment)"
        emit("")
        let verdict: String
        switch status {
        case .succeeded: verdict = colour("succeeded", 32)
        // `rollout rollback` ends rolled back with nothing failed: it did what was asked.
        case .rolledBack where summary.failed.isEmpty: verdict = colour("rolled back", 32)
        case .rolledBack: verdict = colour("failed, previous state restored", 33)
        case .rollbackFailed: verdict = colour("failed, ROLLBACK INCOMPLETE — a human is needed", 31)
        case .failed: verdict = colour("failed", 31)
        case .interrupted: verdict = colour("interrupted", 33)
        case .running: verdict = "stopped"
        }
        emit(bold("Result:") + " \(verdict) (exit \(summary.exitCode.rawValue))")
        list("Changed", summary.changed.filter { !summary.leftInPlace.contains($0) })
        list("Failed", summary.failed)
        list("Undone", summary.undone)
        list("NOT undone", summary.notUndone)
        list("Left in place (no undo)", summary.leftInPlace)
        let leftNote = "the steps left in place have no undo (give them `undo:`): check by hand what they changed"
        switch status {
        case .succeeded where summary.hasUndoableChanges:
            emit("To undo this run: \(rollback)")
        case .succeeded:
            if !summary.changed.isEmpty { emit("Its changes have no undo (give a step `undo:` for `rollout rollback` to undo it).") }
        case .rolledBack where summary.failed.isEmpty:
            emit("The hosts are as they were before the run that was undone. To deploy again: \(rerun)")
        case .rolledBack where summary.leftInPlace.isEmpty:
            emit("The hosts are as they were before the run. Fix the failing step, then run again: \(rerun)")
        case .rolledBack:
            emit("Everything with an undo was undone, but \(leftNote). Fix the failing step, then run again: \(rerun)")
        case .rollbackFailed where summary.refusedForWrites:
            emit(
                "Nothing was restored where a database received writes since the deploy. Copy out what must stay, then restore anyway: \(rollback) --force"
            )
        case .rollbackFailed:
            emit("Look at the hosts for the steps not undone, then retry the rollback: \(rollback)")
        case .failed:
            if !summary.changed.isEmpty { emit("Its changes are still in place; to undo them: \(rollback)") }
        case .interrupted:
            if summary.notUndone.isEmpty && summary.leftInPlace.isEmpty {
                emit("Completed steps were undone. Run again when ready: \(rerun)")
            } else if summary.notUndone.isEmpty {
                emit("Completed steps with an undo were undone, but \(leftNote). Run again when ready: \(rerun)")
            } else {
                emit("Some steps were not undone; finish with: \(rollback)")
            }
        case .running:
            break
        }
        for host in summary.lockLeftHeld {
            // This run's own lease stays live for a while after it ends, so unlock needs --force.
            emit(
                "The deploy lock on \(host) is still held by this run; once no deploy runs there: rollout unlock \(playbook) -e \(environment) --force"
            )
        }
    }

    private func list(_ title: String, _ steps: [HostStep]) {
        guard !steps.isEmpty else { return }
        emit("\(title):")
        for item in steps { emit("  [\(item.host)] \(item.step.label)") }
    }

    // MARK: - Drawing

    private func emit(_ line: String) {
        sink.write(masker.mask(line) + "\n")
    }

    private func emitTail(_ tail: String) {
        let lines = masker.mask(tail).split(separator: "\n", omittingEmptySubsequences: false)
        let trimmed = lines.last == "" ? lines.dropLast() : lines[...]
        for line in trimmed.suffix(tailLines) {
            sink.write("    │ " + Self.stripControlCharacters(String(line)) + "\n")
        }
    }

    /// A step's own colours and cursor movements would garble the console, and a title or
    /// clipboard sequence would reach the terminal itself: drop ANSI escape sequences (CSI
    /// `ESC [ … final byte`, OSC `ESC ] … BEL or ESC \`, two-byte `ESC x`) and other control
    /// characters. `--verbose` shows commands' output through it too.
    public static func stripControlCharacters(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "\u{1B}" {
                guard let next = scalars.next() else { break }
                if next == "[" {
                    while let c = scalars.next(), !(0x40...0x7E).contains(c.value) {}
                } else if next == "]" || next == "P" || next == "_" || next == "^" {
                    // A string sequence: up to BEL or ST (ESC \\).
                    while let c = scalars.next(), c != "\u{07}" {
                        if c == "\u{1B}" {
                            _ = scalars.next()
                            break
                        }
                    }
                }
            } else if scalar == "\t" || (scalar.value >= 0x20 && scalar.value != 0x7F) {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private func paint(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .ok: colour("ok", 32)
        case .changed: colour("changed", 33)
        case .failed: colour("FAILED", 31)
        case .skipped: colour("skipped", 36)
        case .unknown: colour("UNKNOWN (end never recorded)", 31)
        }
    }

    private func colour(_ text: String, _ code: Int) -> String {
        style.colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func bold(_ text: String) -> String {
        style.colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }

    private func clearLiveLine() {
        guard liveLineShown else { return }
        sink.write("\r\u{1B}[2K")
        liveLineShown = false
    }

    private func drawLiveLine() {
        guard style.liveProgress, let (item, started) = running.min(by: { $0.value < $1.value }) else { return }
        let elapsed = started.duration(to: .now)
        guard elapsed >= Self.liveAfter else { return }
        let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        let others = running.count > 1 ? " (+\(running.count - 1) more)" : ""
        // Masked before it is shortened, so that no part of a secret is left to show. Wider
        // than the terminal, the line would wrap and the next redraw could not erase it: the
        // step's name and the output give way, the elapsed time stays.
        let head = "\(frames[spinnerFrame % frames.count]) [\(masker.mask(item.host))] "
        let timing = " \(ElapsedText.format(elapsed))\(others)"
        var label = masker.mask(item.step.label)
        let output = lastLine[item.host] ?? ""
        let budget = max(Self.terminalColumns() - 1 - head.count - timing.count, 12)
        let labelBudget = output.isEmpty ? budget : max(budget / 2, 12)
        if label.count > labelBudget { label = String(label.prefix(labelBudget - 1)) + "…" }
        var line = head + label + timing
        let room = budget - label.count - 3
        if !output.isEmpty, room >= 8 { line += " · " + (output.count > room ? String(output.prefix(room - 1)) + "…" : output) }
        sink.write(line)
        liveLineShown = true
    }

    /// The width of the terminal on stdout, 80 when it cannot be told.
    private static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 else { return 80 }
        return Int(size.ws_col)
    }

    private func startSpinnerIfNeeded() {
        guard style.liveProgress, spinner == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "rollout.console.spinner"))
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        spinner = timer
    }

    private func tick() {
        lock.withLock {
            guard !running.isEmpty else { return }
            spinnerFrame += 1
            clearLiveLine()
            drawLiveLine()
        }
    }
}
