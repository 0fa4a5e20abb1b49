import Foundation

extension Inventory.Environment {
    /// The hosts `--limit` keeps, in inventory order: each selector is a host or a group name,
    /// and one selector may list several, comma-separated. No selector keeps every host.
    /// A name that is neither a host nor a group is an error: a typo must not deploy nowhere
    /// (or everywhere) in silence. So is a `--limit` that names nothing (`--limit ''`, as an
    /// unset shell variable gives): it would otherwise mean every host.
    public func hosts(limitedTo selectors: [String]) throws(HostLimitError) -> [Host] {
        guard !selectors.isEmpty else { return hosts }
        let names = selectors.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        guard !names.isEmpty else { throw .namesNothing(written: selectors.joined(separator: ",")) }
        var kept: Set<String> = []
        for name in names {
            let matched = hosts(matching: name)
            guard !matched.isEmpty else {
                throw .unknown(
                    selector: name, environment: self.name,
                    suggestion: NameSuggestion.closest(to: name, in: hosts.map(\.name) + Array(groupNames)))
            }
            kept.formUnion(matched.map(\.name))
        }
        return hosts.filter { kept.contains($0.name) }
    }
}

/// A `--limit` that selects no host of the environment.
public enum HostLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A name that is neither a host nor a group of the environment.
    case unknown(selector: String, environment: String, suggestion: String?)
    /// Only empty names and commas, as written.
    case namesNothing(written: String)

    public var description: String {
        switch self {
        case .unknown(let selector, let environment, let suggestion):
            "--limit \(selector): no host or group of that name in environment '\(environment)'"
                + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .namesNothing(let written):
            "--limit '\(written)' names no host or group; give host or group names (--limit app1,db), or leave out --limit to target every host"
        }
    }
}
