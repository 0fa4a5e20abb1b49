extension JSONValue {
    /// This value with `newValue` stored at the dotted `path`.
    ///
    /// An existing key keeps its position; a missing key is appended to its object, and missing
    /// intermediate objects are created. A numeric component indexes an existing array element.
    public func setting(_ newValue: JSONValue, at path: String) throws(JSONPathError) -> JSONValue {
        let components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !components.contains(where: \.isEmpty) else {
            throw JSONPathError(path: path, reason: "it has an empty component")
        }
        return try setting(newValue, components: components[...], fullPath: path)
    }

    private func setting(
        _ newValue: JSONValue, components: ArraySlice<String>, fullPath: String
    ) throws(JSONPathError) -> JSONValue {
        guard let head = components.first else { return newValue }
        let rest = components.dropFirst()
        switch self {
        case .object(var members):
            if let index = members.firstIndex(where: { $0.key == head }) {
                members[index].value = try members[index].value.setting(newValue, components: rest, fullPath: fullPath)
            } else {
                members.append((head, try JSONValue.object([]).setting(newValue, components: rest, fullPath: fullPath)))
            }
            return .object(members)
        case .array(var items):
            guard let index = Int(head), items.indices.contains(index) else {
                throw JSONPathError(path: fullPath, reason: "`\(head)` is not an index of an array with \(items.count) elements")
            }
            items[index] = try items[index].setting(newValue, components: rest, fullPath: fullPath)
            return .array(items)
        default:
            throw JSONPathError(path: fullPath, reason: "`\(head)` is inside a \(kindName), not an object or array")
        }
    }

    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
