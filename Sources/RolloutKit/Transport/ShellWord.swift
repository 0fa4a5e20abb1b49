/// Turns values into `/bin/sh` words, for the scripts the engine sends to hosts.
public enum ShellWord {
    /// `value` as one single-quoted word: nothing inside is expanded.
    public static func quote(_ value: String) -> String {
        "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }

    /// A path as one word; a leading `~/` (or a lone `~`) becomes `"$HOME"` so that it still
    /// reaches the login user's home directory, which quoting alone would prevent.
    public static func path(_ path: String) -> String {
        if path == "~" { return #""$HOME""# }
        if path.hasPrefix("~/") { return #""$HOME"/"# + quote(String(path.dropFirst(2))) }
        return quote(path)
    }
}
