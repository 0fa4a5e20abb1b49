import Foundation

/// The signed-in sessions of one rollout run, so a suite's `login:` signs in once: later runs
/// of the same login (another host's check step, the checks after a rollback, another suite
/// with the same login under `rollout verify`) reuse its cookies and captured token until it
/// expires. In memory only: a session is never written anywhere.
public actor LoginSessionStore {
    private var sessions: [String: CheckSession] = [:]
    /// A session this close to its expiry is not reused, so no request goes out with a token
    /// that runs out on the way.
    static let margin: TimeInterval = 30

    public init() {}

    /// The session kept under `key`, unless it expired (or is about to).
    func session(for key: String, now: Date = Date()) -> CheckSession? {
        guard let session = sessions[key] else { return nil }
        if let expires = session.expires, expires.timeIntervalSince(now) < Self.margin {
            sessions[key] = nil
            return nil
        }
        return session
    }

    func keep(_ session: CheckSession, for key: String) {
        sessions[key] = session
    }
}
