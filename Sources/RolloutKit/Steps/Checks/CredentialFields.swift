import BillingCore
import Foundation

/// Values a response carries under names that say they are credentials (`access_token`,
/// `refresh_token`, `password`, `client_secret`, `api_key`, …), at any depth of a JSON body.
///
/// A check suite masks what its secret captures took, but a login answered a second time hands
/// out a fresh token no capture saw, and a failing check shows the body it got: these values
/// are masked in everything a check prints or writes, captured or not.
enum CredentialFields {
    /// Words that make a field a credential, matched against its name in lower case with `-`
    /// read as `_`.
    static let names: Set<String> = [
        "access_token", "refresh_token", "id_token", "token", "auth_token", "session_token", "bearer", "jwt",
        "password", "passwd", "secret", "client_secret", "api_key", "apikey", "private_key",
    ]

    /// The credential values in `response`'s body, when it is a JSON document.
    static func values(in response: HTTPResponse) -> [String] {
        guard let first = response.body.first(where: { ![9, 10, 13, 32].contains($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        else { return [] }
        guard let document = try? JSONValue(parsing: String(decoding: response.body, as: UTF8.self)) else { return [] }
        var found: [String] = []
        collect(document, into: &found)
        return found
    }

    private static func collect(_ value: JSONValue, into found: inout [String]) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                if case .string(let text) = member, !text.isEmpty,
                    names.contains(key.lowercased().replacingOccurrences(of: "-", with: "_"))
                {
                    found.append(text)
                } else {
                    collect(member, into: &found)
                }
            }
        case .array(let items):
            for item in items { collect(item, into: &found) }
        default:
            break
        }
    }
}
