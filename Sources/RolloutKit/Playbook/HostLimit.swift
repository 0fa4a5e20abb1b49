import Foundation

extension Inventory.Environment {
    /// The hosts `--limit` keeps, in inventory order: each selector is a host or a group name,
    /// and one selector may list several, comma-separated. No selector keeps every host.
    /// A name that is neither a host nor a group is an error: a typo must not deploy nowhere
    /// (or everywhere) in silence.
    public func hosts(limitedTo selectors: [String]) throws(HostLimitError) -> [Host] {
        let names = selectors.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        guard !names.isEmpty else { return hosts }
        var kept: Set<String> = []
        for name in names {
            let matched = hosts(matching: name)
            guard !matched.isEmpty else {
                throw HostLimitError(
                    selector: name, environment: self.name,
                    suggestion: NameSuggestion.closest(to: name, in: hosts.map(\.name) + Array(groupNames)))
            }
            kept.formUnion(matched.map(\.name))
        }
        return hosts.filter { kept.contains($0.name) }
    }
}

/// A `--limit` name that is neither a host nor a group of the environment.
public struct HostLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    public var selector: String
    public var environment: String
    public var suggestion: String?

    public var description: String {
        "--limit \(selector): no host or group of that name in environment '\(environment)'"
            + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
    }
}
