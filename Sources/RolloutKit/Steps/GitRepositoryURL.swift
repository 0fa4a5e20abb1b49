import Foundation

/// A repository URL as `git` is given it: an HTTP(S) URL loses its user and password
/// (`https://deploy:TOKEN@host/app.git`), which reach git through the environment and a
/// credential helper instead. A URL on git's command line shows in the host's `ps` (git clone,
/// git-remote-http), and the one a clone is made from is stored in `.git/config`, which other
/// users can read.
struct GitRepositoryURL: Sendable, Hashable {
    /// The URL without user information.
    var url: String
    /// `scheme://host[:port]`: the only server the credentials are handed to.
    var origin: String?
    var user: String?
    var password: String?

    /// Splits `text`; any other URL (ssh, a path, scp-like `git@host:app.git`) is kept as it is.
    init(_ text: String) {
        url = text
        guard let scheme = text.range(of: "://"),
            ["http", "https"].contains(text[..<scheme.lowerBound].lowercased())
        else { return }
        let rest = text[scheme.upperBound...]
        let authority = rest[..<(rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex)]
        // A password may hold an unescaped @; the host cannot.
        guard let at = authority.lastIndex(of: "@") else { return }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        url = String(text[..<scheme.upperBound] + hostPort + rest[authority.endIndex...])
        origin = String(text[..<scheme.upperBound] + hostPort)
        let colon = userInfo.firstIndex(of: ":")
        let rawUser = userInfo[..<(colon ?? userInfo.endIndex)]
        user = String(rawUser).removingPercentEncoding ?? String(rawUser)
        password = colon.map { String(userInfo[userInfo.index(after: $0)...]) }.map { $0.removingPercentEncoding ?? $0 }
    }

    /// Where the credential helper reads the user and password from.
    var environment: [String: String] {
        guard origin != nil else { return [:] }
        var variables = ["ROLLOUT_GIT_USER": user ?? ""]
        if let password { variables["ROLLOUT_GIT_PASSWORD"] = password }
        return variables
    }

    /// `git` with, when the URL had credentials, a credential helper for its server that
    /// answers from `environment` (`printf` is a shell builtin: the values go on no command line).
    var git: String {
        guard let origin else { return "git" }
        let helper =
            #"!f() { test "$1" = get || return 0; printf 'username=%s\n' "$ROLLOUT_GIT_USER"; "#
            + #"test -z "${ROLLOUT_GIT_PASSWORD+set}" || printf 'password=%s\n' "$ROLLOUT_GIT_PASSWORD"; }; f"#
        return "git -c " + ShellWord.quote("credential.\(origin).helper=\(helper)")
    }
}
