import RolloutKit

/// What `rollout --version` prints: the release, the commit it was built from, and the
/// libssh2 and libcurl it runs on.
enum RolloutVersion {
    /// The release number.
    static let number = "0.1.0"

    /// `0.1.0 (commit 1a2b3c4d5e6f)`: cheap, for the help screen.
    static var short: String { "\(number) (commit \(builtFromCommit))" }

    /// The full text, reading the libraries' versions at run time.
    static var full: String {
        """
        rollout \(number)
        commit   \(builtFromCommit)
        libssh2  \(LibraryVersions.libssh2)
        libcurl  \(LibraryVersions.libcurl)
        """
    }
}
