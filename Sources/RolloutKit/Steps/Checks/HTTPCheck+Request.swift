import BillingCore
import Foundation

extension HTTPCheck {
    /// The check's URL: a full URL as written, else the path joined to `baseURL`.
    func url(
        baseURL: RenderedText?, using renderer: some StepRendering
    ) throws(StepError) -> RenderedText {
        let path = try renderer.render(self.path)
        if path.text.hasPrefix("http://") || path.text.hasPrefix("https://") { return path }
        guard let baseURL else {
            throw renderer.failure(
                "\(name): '\(path.masked)' is relative but the suite has no 'base_url'",
                hint: "set base_url in the suite or on the check step")
        }
        var joined = baseURL
        // `base_url: http://app/` and `GET /health` make one slash, not two.
        if baseURL.text.hasSuffix("/"), self.path.source.hasPrefix("/"), let rest = try? Template(parsing: String(self.path.source.dropFirst())) {
            joined.append(try renderer.render(rest))
        } else {
            joined.append(path)
        }
        return joined
    }

    /// The request this check sends, every template rendered.
    func request(
        baseURL: RenderedText?, using renderer: some StepRendering
    ) throws(StepError) -> HTTPRequest {
        let url = try url(baseURL: baseURL, using: renderer)
        var headers: [HTTPHeader] = []
        for header in self.headers {
            headers.append(HTTPHeader(header.key, try Self.text(header.value, key: header.key, using: renderer)))
        }
        var requestBody = HTTPRequest.Body.none
        switch body {
        case .form(let fields):
            var form: [HTTPHeader] = []
            for field in fields { form.append(HTTPHeader(field.key, try Self.text(field.value, key: field.key, using: renderer))) }
            requestBody = .form(form)
        case .json(let value):
            requestBody = .bytes(Data(try Self.json(value, using: renderer).serialized(.compact)))
            if headers.value(for: "Content-Type") == nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        case .raw(let text):
            requestBody = .bytes(Data(try renderer.render(text).text.utf8))
        case nil:
            break
        }
        return HTTPRequest(method: method, url: url.text, headers: headers, body: requestBody, timeout: timeout, followRedirects: followRedirects)
    }

    private static func text(
        _ value: TemplateValue, key: String, using renderer: some StepRendering
    ) throws(StepError) -> String {
        switch value {
        case .text(let template): return try renderer.render(template).text
        case .null: return ""
        case .list, .map:
            throw renderer.failure("'\(key)' must be a single value, not a list or mapping", hint: nil)
        }
    }

    /// A JSON body from YAML: unquoted-looking numbers, `true`, `false` and `null` keep their
    /// JSON type; any other scalar is a string.
    static func json(_ value: TemplateValue, using renderer: some StepRendering) throws(StepError) -> JSONValue {
        switch value {
        case .text(let template):
            let text = try renderer.render(template).text
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default:
                if let integer = Int64(text) { return .int(integer) }
                if Double(text) != nil, text.first.map({ $0.isNumber || $0 == "-" }) == true { return .number(text) }
                return .string(text)
            }
        case .list(let items):
            var array: [JSONValue] = []
            for item in items { array.append(try json(item, using: renderer)) }
            return .array(array)
        case .map(let entries):
            var members: [(key: String, value: JSONValue)] = []
            for entry in entries { members.append((entry.key, try json(entry.value, using: renderer))) }
            return .object(members)
        case .null:
            return .null
        }
    }
}
