import Foundation
import TestSupport
import Testing

/// The shell of the CI recipes in docs/ci.md, run as the runners would run it, against a
/// project whose host is this machine and whose checks answer from a loopback server: a tag is
/// deployed with --lock-wait, verified, and both JUnit reports are written.
@Suite("docs/ci.md: the CI recipes' shell runs")
struct CIRecipeTests {
    static var recipes: String {
        (try? String(contentsOf: packageRoot.appendingPathComponent("docs/ci.md"), encoding: .utf8)) ?? ""
    }

    /// The first ```yaml block after `heading`.
    static func yamlBlock(after heading: String) throws -> [String] {
        let lines = recipes.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: heading), "docs/ci.md has no '\(heading)'")
        let open = try #require(lines[start...].firstIndex(of: "```yaml"))
        let close = try #require(lines[(open + 1)...].firstIndex(of: "```"))
        return Array(lines[(open + 1)..<close])
    }

    /// Every `run: |` block of a GitHub workflow, in order, with its indentation removed.
    static func githubSteps() throws -> [String] {
        let lines = try yamlBlock(after: "## GitHub Actions")
        var steps: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            guard line.trimmingCharacters(in: .whitespaces) == "run: |" else {
                index += 1
                continue
            }
            let indent = line.prefix { $0 == " " }.count
            var body: [String] = []
            index += 1
            while index < lines.count, lines[index].prefix(while: { $0 == " " }).count > indent {
                body.append(lines[index].trimmingCharacters(in: .whitespaces))
                index += 1
            }
            steps.append(body.joined(separator: "\n"))
        }
        return steps
    }

    /// The `before_script:` and `script:` lines of a GitLab job, in order.
    static func gitlabScript() throws -> String {
        var lines: [String] = []
        var inScript = false
        for line in try yamlBlock(after: "## GitLab CI") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "before_script:" || trimmed == "script:" {
                inScript = true
                continue
            }
            if inScript, trimmed.hasPrefix("- ") {
                lines.append(String(trimmed.dropFirst(2)))
                continue
            }
            inScript = false
        }
        return lines.joined(separator: "\n")
    }

    /// A repository laid out as the recipes expect, a stub of rollout's installer that installs
    /// the rollout under test, and stand-ins for the package manager.
    func project(baseURL: String) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-ci-\(UUID().uuidString)")
        let files: [String: String] = [
            "deploy/inventory.yml": """
            environments:
              production:
                vars: { base_url: "\(baseURL)" }
                hosts:
                  here: { address: local }
            """,
            "deploy/deploy.yml": """
            name: ci-app
            inventory: inventory.yml
            vars: { revision: unreleased }
            secrets:
              paytr_key: { env: PAYTR_MERCHANT_KEY }
            steps:
              - shell: echo "{{ revision }}" > "$HOME/deployed-revision"
            """,
            "checks/smoke.yml": """
            name: smoke
            base_url: "{{ base_url }}"
            checks:
              - { request: GET /hello, expect: { status: 200, body_contains: hello } }
              - { request: GET /billing/, expect: { status: 302 } }
            """,
            "rollout-src/scripts/install": """
            #!/bin/sh
            # Stands in for scripts/install: installs the rollout under test into the prefix.
            for prefix; do :; done
            mkdir -p "$prefix/bin" && cp '\(RolloutCLI.binary.path)' "$prefix/bin/rollout"
            """,
            "stubs/apt-get": "#!/bin/sh\nexit 0\n",
        ]
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((text + "\n").utf8).write(to: url)
        }
        for path in ["rollout-src/scripts/install", "stubs/apt-get"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.appendingPathComponent(path).path)
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("home"), withIntermediateDirectories: true)
        return root
    }

    /// Runs `script` with bash -e -o pipefail in `root`, as a CI step.
    func step(_ script: String, in root: URL, path: String, environment: [String: String]) throws -> (status: Int32, output: String) {
        let log = root.appendingPathComponent("step-\(UUID().uuidString).log").path
        let status = try ChildProcess(
            "/bin/bash", ["-e", "-o", "pipefail", "-c", script],
            environment: environment.merging(["PATH": path, "HOME": root.appendingPathComponent("home").path]) { $1 },
            directory: root.path, stdout: log, stderr: log
        ).wait()
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// What the deploy's shell step wrote on the "host".
    func deployedRevision(_ root: URL) throws -> String {
        try String(contentsOf: root.appendingPathComponent("home/deployed-revision"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func expectReports(in root: URL) throws {
        for name in ["deploy.xml", "verify.xml"] {
            let report = try String(contentsOf: root.appendingPathComponent("reports/\(name)"), encoding: .utf8)
            #expect(report.contains("<testsuite"), "reports/\(name): \(report)")
            #expect(!report.contains("PAYTR-SECRET-VALUE"))
        }
    }

    static let secrets = [
        "DEPLOY_SSH_KEY": "not-a-real-key", "DEPLOY_KNOWN_HOSTS": "", "PAYTR_MERCHANT_KEY": "PAYTR-SECRET-VALUE", "PAYTR_MERCHANT_SALT": "salt",
    ]

    @Test("GitHub Actions: install, deploy the tag, verify")
    func githubRecipe() async throws {
        let server = try await LoopbackHTTPServer()
        let root = try project(baseURL: server.baseURL)
        defer { try? FileManager.default.removeItem(at: root) }
        let steps = try Self.githubSteps()
        #expect(steps.count == 3, "\(steps)")
        let githubPath = root.appendingPathComponent("github_path")
        _ = FileManager.default.createFile(atPath: githubPath.path, contents: Data())
        var outputs = ""
        for script in steps {
            // What the runner does between steps: directories appended to $GITHUB_PATH lead PATH.
            let added = ((try? String(contentsOf: githubPath, encoding: .utf8)) ?? "").split(separator: "\n").reversed().joined(separator: ":")
            let path = [root.appendingPathComponent("stubs").path, added, "/usr/bin:/bin"].filter { !$0.isEmpty }.joined(separator: ":")
            let result = try step(
                script, in: root, path: path,
                environment: Self.secrets.merging([
                    "GITHUB_PATH": githubPath.path, "GITHUB_REF_NAME": "v1.2.3",
                ]) { $1 })
            outputs += result.output
            #expect(result.status == 0, "\(script)\n---\n\(result.output)")
        }
        #expect(try deployedRevision(root) == "v1.2.3", "\(outputs)")
        #expect(!outputs.contains("PAYTR-SECRET-VALUE"))
        try expectReports(in: root)
    }

    @Test("GitLab CI: install, deploy the tag, verify")
    func gitlabRecipe() async throws {
        let server = try await LoopbackHTTPServer()
        let root = try project(baseURL: server.baseURL)
        defer { try? FileManager.default.removeItem(at: root) }
        let script = try Self.gitlabScript()
        #expect(script.contains("--lock-wait 10m"))
        let result = try step(
            script, in: root, path: root.appendingPathComponent("stubs").path + ":/usr/bin:/bin",
            environment: Self.secrets.merging(["CI_COMMIT_TAG": "v1.2.3"]) { $1 })
        #expect(result.status == 0, "\(script)\n---\n\(result.output)")
        #expect(try deployedRevision(root) == "v1.2.3", "\(result.output)")
        #expect(!result.output.contains("PAYTR-SECRET-VALUE"))
        try expectReports(in: root)
    }
}
