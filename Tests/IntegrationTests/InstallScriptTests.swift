import Foundation
import TestSupport
import Testing

/// `scripts/install PREFIX` as a user runs it: a release build with the static Swift runtime
/// (in a build directory of its own, so it never waits on the test build's lock), installed
/// with completions, and the installed binary prints its version from another directory.
///
/// Runs when `ROLLOUT_TEST_INSTALL=1`, which scripts/test (and so CI) sets: the release build
/// takes about 14 minutes from scratch on a loaded 2-core machine (in parallel with the other
/// tests), too long for every `swift test`. `ROLLOUT_INSTALL_SCRATCH` picks its build directory
/// (default `.build-install/`, kept, so a second run only relinks).
@Suite("scripts/install: a rollout that runs from anywhere")
struct InstallScriptTests {
    static let enabled = ProcessInfo.processInfo.environment["ROLLOUT_TEST_INSTALL"] == "1"
    static let buildDirectory =
        ProcessInfo.processInfo.environment["ROLLOUT_INSTALL_SCRATCH"]
        ?? packageRoot.appendingPathComponent(".build-install").path

    @Test(
        "installs into a prefix; the binary prints its version from another directory",
        .enabled(if: enabled, "set ROLLOUT_TEST_INSTALL=1: a release build of several minutes"), .timeLimit(.minutes(40)))
    func installsAndPrintsItsVersion() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-install-\(UUID().uuidString)")
        let prefix = scratch.appendingPathComponent("prefix")
        let elsewhere = scratch.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let log = scratch.appendingPathComponent("install.log").path

        let install = try ChildProcess(
            packageRoot.appendingPathComponent("scripts/install").path,
            ["--scratch-path", Self.buildDirectory, prefix.path],
            environment: ProcessInfo.processInfo.environment, directory: elsewhere.path, stdout: log, stderr: log
        ).wait()
        let installed = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(install == 0, "\(installed.suffix(3000))")
        #expect(installed.contains("Installed rollout 0.1.0"), "\(installed.suffix(500))")

        let binary = prefix.appendingPathComponent("bin/rollout").path
        let out = scratch.appendingPathComponent("version.out").path
        let status = try ChildProcess(
            binary, ["--version"], environment: ["PATH": "/usr/bin:/bin"], directory: elsewhere.path, stdout: out, stderr: out
        ).wait()
        let version = try String(contentsOfFile: out, encoding: .utf8)
        #expect(status == 0, "\(version)")
        let lines = version.split(separator: "\n").map(String.init)
        #expect(lines.first == "rollout 0.1.0")
        #expect(lines.contains { $0.hasPrefix("commit   ") && $0.count > "commit   ".count + 6 && !$0.hasSuffix("unknown") }, "\(version)")
        #expect(lines.contains { $0.hasPrefix("libssh2  1.") }, "\(version)")
        #expect(lines.contains { $0.hasPrefix("libcurl  libcurl/") }, "\(version)")

        for completion in [
            "share/bash-completion/completions/rollout", "share/zsh/site-functions/_rollout", "share/fish/vendor_completions.d/rollout.fish",
        ] {
            let text = try String(contentsOf: prefix.appendingPathComponent(completion), encoding: .utf8)
            #expect(text.contains("import"), "\(completion) does not complete the subcommands")
        }

        // The Swift runtime is inside the binary: no libswift*.so is loaded from the toolchain.
        let libraries = scratch.appendingPathComponent("ldd.out").path
        _ = try ChildProcess("/usr/bin/ldd", [binary], directory: elsewhere.path, stdout: libraries, stderr: libraries).wait()
        let linked = try String(contentsOfFile: libraries, encoding: .utf8)
        #expect(!linked.contains("libswiftCore"), "\(linked)")
        #expect(!linked.contains("libFoundation"), "\(linked)")
    }
}
