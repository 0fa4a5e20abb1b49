import Foundation
import Logging
import RolloutKit
import Synchronization
import Testing

/// A secret's value must not come out of any printing, logging or encoding path.
@Suite struct PlaybookSecretTests {
    let secret = Secret("rk_test_TOPSECRET")

    @Test func descriptionsShowOnlyTheMask() {
        #expect(secret.description == "***")
        #expect(secret.debugDescription == "***")
        #expect(String(describing: secret) == "***")
        #expect(String(reflecting: secret) == "***")
    }

    @Test func interpolationShowsOnlyTheMask() {
        #expect("key=\(secret)" == "key=***")
        #expect("\([secret])".contains("TOPSECRET") == false)
        #expect("\(["k": secret])".contains("TOPSECRET") == false)
        #expect(String(describing: Optional(secret)).contains("TOPSECRET") == false)
    }

    @Test func dumpAndMirrorShowNoValue() {
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("TOPSECRET"))
        #expect(Mirror(reflecting: secret).children.isEmpty)
        var dumpedInStruct = ""
        dump(SecretHolder(secret: secret), to: &dumpedInStruct)
        #expect(!dumpedInStruct.contains("TOPSECRET"))
    }

    @Test func encodingWritesTheMask() throws {
        let json = String(decoding: try JSONEncoder().encode(SecretHolder(secret: secret)), as: UTF8.self)
        #expect(json == #"{"secret":"***"}"#)
    }

    @Test func loggerMetadataShowsTheMask() {
        let handler = CapturingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        logger.info("deploying", metadata: ["key": "\(secret)", "value": .stringConvertible(secret)])
        logger.info("key is \(secret)")
        let lines = handler.lines.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { !$0.contains("TOPSECRET") })
        #expect(lines[0].contains("***"))
    }

    @Test func onlyTheNamedAccessorRevealsTheValue() {
        #expect(secret.revealedForTransport == "rk_test_TOPSECRET")
    }

    @Test func renderedTextMasksSecretsButCarriesTheValueForTransport() throws {
        let template = try Template(parsing: "curl -H 'Authorization: Bearer {{ secrets.token }}' {{ url }}")
        let scope = Scope(vars: ["url": .text(Template(literal: "http://127.0.0.1"))], secrets: ["token": secret])
        let rendered = try template.render(in: scope)
        #expect(rendered.text == "curl -H 'Authorization: Bearer rk_test_TOPSECRET' http://127.0.0.1")
        #expect(rendered.masked == "curl -H 'Authorization: Bearer ***' http://127.0.0.1")
        #expect(rendered.containsSecrets)
        #expect(rendered.secretNames == ["token"])
        #expect("\(rendered)".contains("TOPSECRET") == false)
    }

    @Test func secretsReachingTextThroughAVariableAreStillTracked() throws {
        let scope = Scope(vars: ["dsn": .text(try Template(parsing: "postgres://app:{{ secrets.db }}@db/app"))], secrets: ["db": secret])
        let rendered = try Template(parsing: "psql {{ dsn }}").render(in: scope)
        #expect(rendered.masked == "psql postgres://app:***@db/app")
        #expect(rendered.secretNames == ["db"])
    }

    @Test func valuesToMaskListsEveryResolvedSecretLongestFirst() {
        let values = SecretResolver.valuesToMask(["a": Secret("short"), "b": Secret("much longer"), "c": Secret("")])
        #expect(values == ["much longer", "short"])
    }
}

private struct SecretHolder: Encodable {
    var secret: Secret
}

/// Keeps each formatted log line the way a stream handler would print it.
private final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.withLock { $0.append("\(event.level) \(event.message) \(rendered)") }
    }
}
