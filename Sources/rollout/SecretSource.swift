import Foundation

/// Where a secret is read from: an environment variable or a file, never argv.
struct SecretSource {
    /// What the secret is, for messages: "PayTR merchant key".
    let label: String
    /// `--key` for `--key-env`/`--key-file`.
    let option: String
    let environmentName: String?
    let filePath: String?
    /// Variable read when neither option is given.
    let defaultEnvironmentName: String

    /// The secret, with trailing newlines of a file removed; empty or missing is an input error.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SignFailure) -> String {
        if environmentName != nil, filePath != nil {
            throw .invalidInput("give either \(option)-env or \(option)-file for the \(label), not both")
        }
        if let filePath {
            let contents: Data
            do {
                contents = try Data(contentsOf: URL(fileURLWithPath: filePath))
            } catch {
                throw .invalidInput("cannot read the \(label) file \(filePath): \(Self.reason(error)); check the path and its permissions")
            }
            var text = String(decoding: contents, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else {
                throw .invalidInput("the \(label) file \(filePath) is empty; put the secret in it (one line)")
            }
            return text
        }
        let name = environmentName ?? defaultEnvironmentName
        guard let value = environment[name], !value.isEmpty else {
            let state = environment[name] == nil ? "is not set" : "is empty"
            throw .invalidInput("environment variable \(name) (the \(label)) \(state); export it, or use \(option)-env NAME or \(option)-file PATH")
        }
        return value
    }

    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if (error as NSError).code == NSFileReadNoSuchFileError { return "no such file" }
        if (error as NSError).code == NSFileReadNoPermissionError { return "permission denied" }
        return "it cannot be read"
    }
}
