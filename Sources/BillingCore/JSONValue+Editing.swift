extension JSONValue {
    /// This value with every string, at any depth, passed through `transform`.
    func mappingStrings(_ transform: (String) -> String) -> JSONValue {
        switch self {
        case .string(let text): .string(transform(text))
        case .array(let items): .array(items.map { $0.mappingStrings(transform) })
        case .object(let members): .object(members.map { ($0.key, $0.value.mappingStrings(transform)) })
        default: self
        }
    }

    /// This value with every member named `key`, at any depth, passed through `transform`
    /// (given the member's value).
    func mappingMembers(named key: String, _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        switch self {
        case .array(let items):
            return .array(items.map { $0.mappingMembers(named: key, transform) })
        case .object(let members):
            return .object(
                members.map { member in
                    let inner = member.value.mappingMembers(named: key, transform)
                    return (member.key, member.key == key ? transform(inner) : inner)
                })
        default:
            return self
        }
    }

    /// This value with every integer equal to `old`, at any depth, replaced by `new`.
    func replacingIntegers(_ old: Int64, with new: Int64) -> JSONValue {
        switch self {
        case .int(old): .int(new)
        case .array(let items): .array(items.map { $0.replacingIntegers(old, with: new) })
        case .object(let members): .object(members.map { ($0.key, $0.value.replacingIntegers(old, with: new)) })
        default: self
        }
    }

    /// Removes the member `key` of an object and returns its value.
    @discardableResult
    mutating func removeMember(_ key: String) -> JSONValue? {
        guard case .object(var members) = self, let index = members.firstIndex(where: { $0.key == key }) else { return nil }
        let removed = members.remove(at: index).value
        self = .object(members)
        return removed
    }

    /// Stores `value` as member `key` of an object: in place when the key exists, else where
    /// Stripe would write it (its objects list `id` and `object` first, the rest alphabetically).
    mutating func insertMember(_ key: String, _ value: JSONValue) {
        guard case .object(var members) = self else { return }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            let index = members.firstIndex { $0.key != "id" && $0.key != "object" && $0.key > key } ?? members.endIndex
            members.insert((key, value), at: index)
        }
        self = .object(members)
    }

    /// The elements of an array (empty for anything else).
    var arrayItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}
