/// Values a `.env` must hold exactly whatever reads it: quotes, `$`, backquotes, `!`, `~`,
/// globs, backslashes, and what `. .env` would run if the value were written carelessly.
/// Written by `set_env` (`EnvFile`) and read back by sh, python-dotenv, systemd's
/// `EnvironmentFile=` and docker compose's `env_file`.
public enum EnvFileSamples {
    public static let trickyValues = [
        "plain", "with space", "hash # inside", "#leading", "a=b=c", "single'quote", "double\"quote",
        "both ' and \"", "dollar $HOME and $", "back\\slash", "back\\slash and 'quote'", "trailing space ",
        " leading", "", "ünïcödé ✓", "tab\there", "a\\nb", "'", "\"", "  # not a comment", "C:\\dir\\file", "x\\\"y",
        // What `. .env` would run or expand if it were written carelessly.
        "$(touch PWNED)", "`touch PWNED`", "a;touch PWNED", "x && touch PWNED", "$HOME", "$1 $@ $$", "hello!", "!!", "!$",
        "~/x", "a:~/b", "*", "?", "[a]", "{a,b}", "a|b", "a>b", "<a", "a&b", "(a)", "\\$(x)", "two\\\\back",
    ]

    /// The file the samples are written into: lines `set_env` must rewrite in place.
    public static let seed = "# header\nEXISTING_S='old'\nEXISTING_D=\"old\"\nEXISTING_U=old # keep\n"

    /// Every key and the value a reader must see after `set_env` wrote `values` into `seed`.
    public static var values: [String: String] {
        var values: [String: String] = [:]
        for (i, value) in trickyValues.enumerated() { values["NEW_\(i)"] = value }
        values["EXISTING_S"] = "it's \"new\""
        values["EXISTING_D"] = "a\\b \"c\" $d"
        values["EXISTING_U"] = "x # y"
        return values
    }
}
