/// Why a value could not be placed at a dotted path inside a JSON document.
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path as the user wrote it, e.g. `data.object.items.data.5.price`.
    public let path: String
    /// What stood in the way, e.g. "`items` is a string, not an object".
    public let reason: String

    public var description: String {
        "cannot set `\(path)`: \(reason); use a path of object keys (and array indexes) that exists in the event"
    }
}
