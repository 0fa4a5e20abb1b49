import ArgumentParser
import RolloutKit

/// `--shard K/N`, for splitting one inventory between N CI jobs (`run`, `plan`).
struct ShardOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Only the K-th of N parts of the hosts (after --limit): hosts sorted by name and dealt out in turn, e.g. 2/4 in the second of four CI jobs.",
            valueName: "k/n"))
    var shard: String?

    /// The part asked for; nil when the option is not given.
    func parsed() throws -> HostShard? {
        guard let shard else { return nil }
        do {
            return try HostShard(parsing: shard)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
