/// How the console reporter may draw: colours and a live spinner only on a terminal.
public struct ConsoleStyle: Sendable, Hashable {
    /// ANSI colours.
    public var colour: Bool
    /// A live line with a spinner and the elapsed time of running steps.
    public var liveProgress: Bool

    public init(colour: Bool, liveProgress: Bool) {
        self.colour = colour
        self.liveProgress = liveProgress
    }

    /// Plain lines, for pipes, files and CI logs.
    public static let plain = ConsoleStyle(colour: false, liveProgress: false)

    /// Colour and spinner on a terminal; colour off when `NO_COLOR` is set (to anything
    /// non-empty, as no-color.org says) or `TERM=dumb`.
    public static func detect(isTerminal: Bool, environment: [String: String]) -> ConsoleStyle {
        guard isTerminal, environment["TERM"] != "dumb" else { return .plain }
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty
        return ConsoleStyle(colour: !noColour, liveProgress: true)
    }
}
