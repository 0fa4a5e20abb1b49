import Foundation
import Testing

@testable import RolloutKit

/// How `set_env` and `upload` write a file on a host, run on a real shell here.
struct RemoteFileChangeTests {
    /// Under a login umask of 022, the temporary file that receives the new contents is already
    /// unreadable by others while the contents arrive (a `.env` streamed over a slow link), and
    /// the file ends up with the mode asked for.
    @Test func theNewContentsAreNeverReadableByOthersBeforeTheRename() throws {
        let directory = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("app.env").path
        let observed = directory.appendingPathComponent("observed").path
        let value = UUID().uuidString
        let script = RemoteFileChange(path: target).replaceScript(
            backup: directory.appendingPathComponent("backup").path, mode: 0o640, defaultMode: 0o600, owner: nil)
        // The writer holds the contents back until the temporary file exists, notes its mode,
        // then sends them.
        let outcome = try ShellProcess.run(
            """
            umask 022
            rollout_undo() { :; }
            {
              n=0
              until [ -n "$(find \(ShellWord.quote(directory.path)) -name '.*.rollout-*')" ] || [ $n -ge 500 ]; do sleep 0.01; n=$((n + 1)); done
              find \(ShellWord.quote(directory.path)) -name '.*.rollout-*' -printf '%m\\n' > \(ShellWord.quote(observed))
              printf 'API_KEY=%s\\n' \(value)
            } | { \(script)
            }
            """)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try String(contentsOfFile: observed, encoding: .utf8) == "600\n")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "API_KEY=\(value)\n")
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
        #expect(mode == 0o640)
    }
}
