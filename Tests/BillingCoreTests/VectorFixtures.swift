import BillingCore
import Foundation

/// The third-party vectors of billing/vectors.json, and the event templates' JSON source.
enum VectorFixtures {
    static let vectors: JSONValue = {
        let url = Bundle.module.url(forResource: "vectors", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONValue(parsing: String(decoding: try! Data(contentsOf: url), as: UTF8.self))
    }()

    static func group(_ name: String) -> [JSONValue] {
        guard case .array(let items)? = vectors[name] else { return [] }
        return items
    }

    /// The ids of a group's vectors, as readable test arguments.
    static func ids(_ name: String, where include: (JSONValue) -> Bool = { _ in true }) -> [String] {
        group(name).filter(include).map { $0.string("id") }
    }

    static func vector(_ id: String) -> JSONValue {
        for name in ["paytr_callback", "paytr_iframe_token", "stripe"] {
            if let found = group(name).first(where: { $0.string("id") == id }) { return found }
        }
        return .null
    }

    /// StripeEvents/ at the package root: the one source of the event templates, which
    /// scripts/embed-stripe-events compiles into BillingCore.
    static let stripeEventsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("StripeEvents")

    /// The event types StripeEvents/ has a file for.
    static func stripeEventFileTypes() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: stripeEventsDirectory.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }.sorted()
    }

    static func eventFile(_ type: StripeEventType) -> String {
        let url = stripeEventsDirectory.appendingPathComponent(type.rawValue + ".json")
        return String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
    }

    static func fields(_ value: JSONValue?) -> [(name: String, value: String)] {
        guard case .object(let members)? = value else { return [] }
        return members.map { ($0.key, $0.value.stringValue ?? "") }
    }

    static let credentials = PayTRCredentials(merchantID: "100001", merchantKey: "K3yForSmokeTests", merchantSalt: "S4ltForSmokeTst1")
}

extension JSONValue {
    func string(_ key: String) -> String { self[key]?.stringValue ?? "" }
}
