import Foundation

/// The secret values a `SecretResolver` has read in this run, whichever declaration (of the
/// playbook, of a check suite) read them: what the message of a failing secret command is
/// masked with, since a password manager's CLI may echo a value read before.
final class ReadSecrets: @unchecked Sendable {
    // Guarded by `lock`.
    private var stored: Set<String> = []
    private let lock = NSLock()

    func insert(_ value: String) {
        _ = lock.withLock { stored.insert(value) }
    }

    var values: Set<String> { lock.withLock { stored } }
}
