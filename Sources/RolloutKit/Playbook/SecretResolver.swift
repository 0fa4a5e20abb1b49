public import Foundation

/// Reads every declared secret once, at the start of a run, reporting each one that cannot be
/// read (never its value).
public struct SecretResolver: Sendable {
    /// Environment of the machine running rollout.
    public var environment: [String: String]
    /// Directory `~` expands to.
    public var homeDirectory: String
    /// Values of `{ command: … }` secrets, so each command runs once per run.
    private let commands = SecretCommandCache()
    /// Every value read so far, by this and earlier calls of `resolve`.
    private let read = ReadSecrets()
    /// Masking a value this short also masks it inside ordinary words of every output.
    public static let shortestUnambiguous = 6

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = FileManager.default.homeDirectoryForCurrentUser.path
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    /// The secrets that could be read, by name. A secret that cannot be read is reported with
    /// `severity` (warnings when only linting, where the secrets may live elsewhere), what its
    /// command printed masked with every secret read, here or by an earlier call.
    public func resolve(
        _ declarations: [SecretDeclaration],
        into diagnostics: inout Diagnostics,
        severity: Diagnostic.Severity = .error
    ) -> [String: Secret] {
        let results = declarations.map { (declaration: $0, result: value(of: $0)) }
        for case .success(let value) in results.map(\.result) { read.insert(value) }
        let masker = SecretMasker(secrets: read.values)
        var secrets: [String: Secret] = [:]
        for (declaration, result) in results {
            switch result {
            case .success(let value):
                secrets[declaration.name] = Secret(value)
                if value.count < Self.shortestUnambiguous {
                    diagnostics.append(
                        Diagnostic(
                            .warning,
                            "secret '\(declaration.name)' is only \(value.count) \(value.count == 1 ? "character" : "characters") long: every occurrence of it in the output is masked as ***, which scrambles ordinary words that contain it; use a real secret of \(Self.shortestUnambiguous) characters or more",
                            at: declaration.location))
                }
            case .failure(let problem):
                diagnostics.append(Diagnostic(severity, "secret '\(declaration.name)': \(problem.text(masking: masker))", at: declaration.location))
            }
        }
        return secrets
    }

    /// Every value in `secrets`, longest first, for masking output that might echo one.
    public static func valuesToMask(_ secrets: [String: Secret]) -> [String] {
        secrets.values.map(\.revealedForTransport).filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    private struct Problem: Error {
        var message: String
        /// What a failing command printed on stderr.
        var stderr = ""

        /// The message with the last line of `stderr`, masked before it is picked: a secret
        /// may span lines.
        func text(masking masker: SecretMasker) -> String {
            guard let said = masker.mask(stderr).split(whereSeparator: \.isNewline).last else { return message }
            return "\(message): \(said)"
        }
    }

    /// Largest secret file read.
    static let maxFileSize = 1 << 20

    private func value(of declaration: SecretDeclaration) -> Result<String, Problem> {
        switch declaration.source {
        case .environment(let name):
            guard let value = environment[name] else {
                return .failure(Problem(message: "environment variable \(name) is not set; export it before running rollout"))
            }
            guard !value.isEmpty else {
                return .failure(Problem(message: "environment variable \(name) is empty"))
            }
            return .success(value)
        case .file(let path):
            let expanded = expand(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) else {
                return .failure(Problem(message: "file \(path) does not exist"))
            }
            guard !isDirectory.boolValue else {
                return .failure(Problem(message: "\(path) is a directory, not a file"))
            }
            // A playbook from a pull request could name /dev/zero (lint reads the secrets too).
            let values = try? URL(fileURLWithPath: expanded).resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values?.isRegularFile != false else {
                return .failure(Problem(message: "\(path) is not a regular file"))
            }
            guard (values?.fileSize ?? 0) <= Self.maxFileSize else {
                return .failure(Problem(message: "\(path) is larger than \(Self.maxFileSize) bytes; a secret file holds one secret"))
            }
            guard let data = FileManager.default.contents(atPath: expanded) else {
                return .failure(Problem(message: "cannot read \(path) (check its permissions)"))
            }
            var text = String(decoding: data, as: UTF8.self)
            // "\r\n" is one Character, so one removeLast trims either ending.
            if text.hasSuffix("\n") || text.hasSuffix("\r\n") { text.removeLast() }
            guard !text.isEmpty else {
                return .failure(Problem(message: "file \(path) is empty"))
            }
            return .success(text)
        case .command(let command):
            return commands.value(of: command, environment: environment).mapError { Problem(message: $0.message, stderr: $0.stderr) }
        }
    }

    /// `path` with a leading `~` replaced by the home directory.
    public func expand(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") { return homeDirectory + path.dropFirst(1) }
        return path
    }
}
