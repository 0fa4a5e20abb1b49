/// A PayTR callback as ordered form fields, ready to be sent as
/// `application/x-www-form-urlencoded`.
public struct PayTRCallbackForm: Sendable, Hashable {
    /// Content type of `urlencodedBody`.
    public static let contentType = "application/x-www-form-urlencoded"

    private var storage: [Field]

    private struct Field: Sendable, Hashable {
        var name: String
        var value: String
    }

    public init(fields: [(name: String, value: String)]) {
        storage = fields.map { Field(name: $0.name, value: $0.value) }
    }

    /// Name and value pairs in send order.
    public var fields: [(name: String, value: String)] { storage.map { ($0.name, $0.value) } }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        storage.first { $0.name == name }?.value
    }

    /// This form with the value of `name` replaced in place (or appended when absent); used to
    /// build a tampered callback after signing.
    public func replacing(_ name: String, with value: String) -> PayTRCallbackForm {
        var copy = self
        if let index = copy.storage.firstIndex(where: { $0.name == name }) {
            copy.storage[index].value = value
        } else {
            copy.storage.append(Field(name: name, value: value))
        }
        return copy
    }

    /// The body bytes' text: `merchant_oid=…&status=…&…&hash=…%3D`.
    public var urlencodedBody: String { FormURLEncoding.encode(fields) }
}
