import Testing

@testable import RolloutKit

@Suite("Command bootstrap and output")
struct CommandBootstrapTests {
    @Test("the command line carries the program's line count, never its text or the environment")
    func commandLine() throws {
        let command = RemoteCommand("echo $TOKEN", cwd: "/srv/it's", environment: ["TOKEN": "hunter2", "A_1": "x"], sensitive: true)
        let bootstrap = try CommandBootstrap(command, endpoint: "h")
        let program = String(decoding: bootstrap.program, as: UTF8.self)
        #expect(program == "export A_1='x'\nexport TOKEN='hunter2'\ncd -- '/srv/it'\\''s' || exit 1\necho $TOKEN\n")
        #expect(bootstrap.commandLine.contains("n=4;"), "reads exactly the program's four lines")
        #expect(!bootstrap.commandLine.contains("hunter2"))
        #expect(!bootstrap.commandLine.contains("$TOKEN"))
    }

    @Test("environment names that are not shell names are refused")
    func badName() {
        #expect(throws: TransportError.self) { try CommandBootstrap(RemoteCommand("true", environment: ["A-B": "1"]), endpoint: "h") }
        #expect(throws: TransportError.self) { try CommandBootstrap(RemoteCommand("true", environment: ["1A": "1"]), endpoint: "h") }
    }

    @Test("the process group line is stripped from stderr, even split across reads")
    func header() {
        var output = CommandOutput(limit: 100, callback: nil)
        for piece in ["12", "34\nwar", "ning\n"] {
            Array(piece.utf8).withUnsafeBytes { output.receive($0, from: .stderr) }
        }
        Array("out".utf8).withUnsafeBytes { output.receive($0, from: .stdout) }
        #expect(output.processID == 1234)
        let result = output.result(exitStatus: 0, exitSignal: nil, duration: .zero)
        #expect(result.stderrText == "warning\n")
        #expect(result.stdoutText == "out")
    }

    @Test("without the header line, stderr passes through whole")
    func noHeader() {
        var output = CommandOutput(limit: 100, callback: nil)
        Array("sh: not found\n".utf8).withUnsafeBytes { output.receive($0, from: .stderr) }
        #expect(output.processID == nil)
        #expect(output.result(exitStatus: 127, exitSignal: nil, duration: .zero).stderrText == "sh: not found\n")
    }

    @Test("the tail keeps the last bytes and counts the dropped ones")
    func tail() {
        var tail = OutputTail(limit: 10)
        for i in 0..<1000 { tail.append([UInt8(i % 256)]) }
        #expect(tail.bytes == (990..<1000).map { UInt8($0 % 256) })
        #expect(tail.droppedBytes == 990)
    }

    @Test("a summary shows the first line and hides sensitive scripts")
    func summary() {
        #expect(RemoteCommand("make\nmake install").summary == "make …")
        // A step's undo record ahead of its command is not what the user wrote.
        #expect(RemoteCommand("rollout_undo command 1 || exit 1\nmake deploy").summary == "make deploy")
        #expect(RemoteCommand("psql -c 'secret'", sensitive: true).summary == "(sensitive script)")
    }
}
