import Foundation
import RolloutKit
import TestSupport
import Testing

struct EnvFileTests {
    static let original = """
        # Billing settings
        export FLASK_ENV=production

        PAYTR_MERCHANT_ID=123456   # from the PayTR panel
        PAYTR_MERCHANT_KEY='abc def'
        PAYTR_TEST_MODE="1"
          DATABASE_URL = postgresql://u:p@localhost/db
        MULTI="line one
        line two"
        EMPTY=
        not an assignment line
        LAST=x
        """

    @Test func renderingAnUneditedFileGivesBackItsBytes() throws {
        for text in [Self.original, Self.original + "\n", Self.original.replacingOccurrences(of: "\n", with: "\r\n"), "", "\n\n", "A=1"] {
            let file = try EnvFile(bytes: Array(text.utf8))
            #expect(file.bytes == Array(text.utf8))
        }
    }

    @Test func readsValuesAsPythonDotenvDoes() {
        let file = EnvFile(text: Self.original)
        #expect(file.value(for: "FLASK_ENV") == "production")
        #expect(file.value(for: "PAYTR_MERCHANT_ID") == "123456")
        #expect(file.value(for: "PAYTR_MERCHANT_KEY") == "abc def")
        #expect(file.value(for: "PAYTR_TEST_MODE") == "1")
        #expect(file.value(for: "DATABASE_URL") == "postgresql://u:p@localhost/db")
        #expect(file.value(for: "MULTI") == "line one\nline two")
        #expect(file.value(for: "EMPTY") == "")
        #expect(file.value(for: "LAST") == "x")
        #expect(file.value(for: "not") == nil)
    }

    @Test func editsOnlyTheLinesWhoseValueChanges() throws {
        var file = EnvFile(text: Self.original)
        try file.set("PAYTR_TEST_MODE", to: "0")
        try file.set("PAYTR_MERCHANT_ID", to: "999")
        try file.set("FLASK_ENV", to: "production")
        try file.set("NEW_KEY", to: "new value")
        let expected =
            Self.original
            .replacingOccurrences(of: "PAYTR_TEST_MODE=\"1\"", with: "PAYTR_TEST_MODE=\"0\"")
            .replacingOccurrences(of: "PAYTR_MERCHANT_ID=123456   # from the PayTR panel", with: "# from the PayTR panel\nPAYTR_MERCHANT_ID=999")
            + "\nNEW_KEY='new value'\n"
        #expect(file.text == expected)
    }

    @Test func appendsWithTheFilesOwnLineEndings() throws {
        var file = EnvFile(text: "A=1\r\nB=2\r\n")
        try file.set("C", to: "3")
        #expect(file.text == "A=1\r\nB=2\r\nC=3\r\n")
    }

    @Test func refusesValuesItCannotWriteWithAReason() {
        var file = EnvFile(text: "A=1\n")
        #expect(throws: EnvFileError(key: "A", problem: .newline)) { try file.set("A", to: "x\ny") }
        #expect(throws: EnvFileError(key: "A", problem: .newline)) { try file.set("A", to: "x\ry") }
        #expect(throws: EnvFileError(key: "A", problem: .interpolation)) { try file.set("A", to: "${HOME}/x") }
        #expect(throws: EnvFileError(key: "1A", problem: .invalidKey)) { try file.set("1A", to: "x") }
        #expect(throws: EnvFileError(key: "A", problem: .trailingBackslash)) { try file.set("A", to: "a #b\\") }
        #expect(throws: EnvFileError(key: "A", problem: .trailingBackslash)) { try file.set("A", to: "C:\\dir\\") }
        #expect(throws: EnvFileError(key: "A", problem: .controlCharacter)) { try file.set("A", to: "bell\u{7}") }
        #expect(throws: EnvFileError(key: "A", problem: .quoteAndExpansion)) { try file.set("A", to: "it's $5") }
        #expect(throws: EnvFileError(key: "A", problem: .quoteAndExpansion)) { try file.set("A", to: "it's `x`") }
        #expect(throws: EnvFileError(key: "A", problem: .backslashesAndExpansion)) { try file.set("A", to: "a\\\\b $c") }
        #expect(file.text == "A=1\n")
        #expect(EnvFileError(key: "A", problem: .newline).description.contains("line break"))
        // The message names the readers that would disagree.
        let quote = EnvFileError(key: "A", problem: .quoteAndExpansion).description
        #expect(quote.contains("python-dotenv and sh (or docker compose) would read different values"), "\(quote)")
        #expect(EnvFileError(key: "A", problem: .controlCharacter).description.contains("systemd's EnvironmentFile="))
    }

    @Test func refusesFilesThatAreNotUTF8() {
        #expect(throws: EnvFileError(key: nil, problem: .notUTF8)) { try EnvFile(bytes: [0x41, 0x3D, 0xFF, 0x0A]) }
    }

    @Test func diffShowsChangesWithSecretsMasked() throws {
        let old = EnvFile(text: "A=1\nKEY=oldsecret\nGONE=x\nURL=https://u:pw123@h\n")
        var new = old
        try new.set("A", to: "2")
        try new.set("KEY", to: "newsecret")
        try new.set("ADDED", to: "y")
        try new.set("URL", to: "https://u:pw123@h2")
        new.remove("GONE")
        let lines = EnvFile.changes(from: old, to: new)
            .map { $0.line(secretKeys: ["KEY"], masker: SecretMasker(secrets: ["pw123"])) }
        #expect(
            lines == [
                "~ A: 1 → 2", "~ KEY: *** → ***", "~ URL: https://u:***@h → https://u:***@h2", "+ ADDED=y", "- GONE=x",
            ])
    }

    /// The values a host's `.env` had are not the playbook's: nothing says which are secret but
    /// their shape, so a credential's key or value is never shown, removed or replaced by a
    /// literal.
    @Test func diffHidesValuesOfCredentialKeysAndValuesThePlaybookDidNotDeclare() throws {
        // Made up per run, in the shape of a live Stripe key: none is written in the source.
        func liveKey() -> String { ["sk", "live", UUID().uuidString.replacingOccurrences(of: "-", with: "")].joined(separator: "_") }
        let password = UUID().uuidString
        let old = EnvFile(
            text: "STRIPE_SECRET_KEY=\(liveKey())\nDB_PASSWORD=\(password)\nLEGACY=\(liveKey())\n"
                + "DATABASE_URL=postgresql://app:\(password)@db/billing\nAPP_REVISION=r1\n")
        var new = old
        new.remove("STRIPE_SECRET_KEY")
        try new.set("DB_PASSWORD", to: UUID().uuidString)
        new.remove("LEGACY")
        try new.set("DATABASE_URL", to: "postgresql://app:\(password)@db2/billing")
        try new.set("APP_REVISION", to: "r2")
        let lines = EnvFile.changes(from: old, to: new).map { $0.line() }
        #expect(
            lines == [
                "~ DB_PASSWORD: *** → ***", "~ DATABASE_URL: postgresql://app:***@db/billing → postgresql://app:***@db2/billing",
                "~ APP_REVISION: r1 → r2", "- STRIPE_SECRET_KEY=***", "- LEGACY=***",
            ])
    }

    /// python-dotenv (from .venv, scripts/python-env.sh) and sh read back every value written,
    /// (systemd's and docker compose's readers: `EnvFileReaderTests`)
    /// and sourcing the file runs nothing.
    @Test func pythonDotenvAndShReadBackEveryValueWritten() throws {
        let dir = try ShellProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var file = EnvFile(text: "# header\nEXISTING_S='old'\nEXISTING_D=\"old\"\nEXISTING_U=old # keep\n")
        var expected: [String: String] = [:]
        for (i, value) in EnvFileSamples.trickyValues.enumerated() {
            try file.set("NEW_\(i)", to: value)
            expected["NEW_\(i)"] = value
        }
        try file.set("EXISTING_S", to: "it's \"new\"")
        try file.set("EXISTING_D", to: "a\\b \"c\" $d")
        try file.set("EXISTING_U", to: "x # y")
        expected["EXISTING_S"] = "it's \"new\""
        expected["EXISTING_D"] = "a\\b \"c\" $d"
        expected["EXISTING_U"] = "x # y"
        let path = dir.appendingPathComponent(".env")
        try Data(file.bytes).write(to: path)
        let python = packageRoot.appendingPathComponent(".venv/bin/python").path
        let read = try ShellProcess.run(
            "\(ShellWord.quote(python)) -c 'import json,sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))' \(ShellWord.quote(path.path))"
        )
        #expect(read.status == 0, "\(read.stderr)")
        let values = try JSONDecoder().decode([String: String].self, from: Data(read.stdout.utf8))
        #expect(values == expected)
        // Our reader agrees with python-dotenv on the file we wrote.
        let reparsed = try EnvFile(bytes: file.bytes)
        for (key, value) in expected { #expect(reparsed.value(for: key) == value, "\(key)") }

        // sh: `. .env` in the directory, then every value NUL-terminated; PWNED must not appear.
        let keys = expected.keys.sorted()
        let shell = try ShellProcess.run(
            "cd \(ShellWord.quote(dir.path)) && sh -c '. ./.env && printf \"%s\\\\0\" "
                + keys.map { "\"$\($0)\"" }.joined(separator: " ") + "'")
        #expect(shell.status == 0, "\(shell.stderr)")
        #expect(shell.stderr.isEmpty, "\(shell.stderr)")
        let shValues = shell.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(shValues == keys.map { expected[$0]! })
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("PWNED").path), "sourcing the .env ran a command")
    }
}
