/// Linux signal numbers as the names SSH reports in exit-signal ("TERM", without "SIG").
enum SignalName {
    private static let names: [Int32: String] = [
        1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 5: "TRAP", 6: "ABRT", 7: "BUS", 8: "FPE", 9: "KILL",
        10: "USR1", 11: "SEGV", 12: "USR2", 13: "PIPE", 14: "ALRM", 15: "TERM", 24: "XCPU", 25: "XFSZ",
    ]

    static func of(_ number: Int32) -> String {
        names[number] ?? "SIG\(number)"
    }
}
