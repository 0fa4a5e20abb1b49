/// Shell functions that commands call, defined once per shell rather than sent with every
/// command.
///
/// A host's shell reads a command's text a byte at a time (`CommandBootstrap`), so text that
/// every command of a run repeats (the journal's bookkeeping) is what a long run of small
/// commands spends most of its time reading. A `PersistentShell` defines a library the first
/// time a command needs it, in the same write as that command, and again only after a command
/// of another library (whose definitions, of the same names, replaced it); a
/// command that runs in a shell of its own (an exec channel, the system `ssh`, a local
/// `/bin/sh`) gets the definitions in front of its script, so every transport runs the same text.
public struct ShellLibrary: Sendable, Hashable {
    /// The definitions: functions and variables, no output, no `exit`. Libraries are told
    /// apart by their text.
    public var definitions: String

    public init(definitions: String) {
        self.definitions = definitions.hasSuffix("\n") ? definitions : definitions + "\n"
    }
}
