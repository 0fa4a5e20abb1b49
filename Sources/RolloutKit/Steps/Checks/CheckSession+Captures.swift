/// What a check takes into the session: the cookies its response sets and the values it
/// captures.
extension CheckSession {
    /// Keeps what `response` (to `url`) sets and what `check` captures from it; returns why a
    /// capture found nothing.
    mutating func take(_ response: HTTPResponse, to url: String, for check: HTTPCheck) -> [String] {
        cookies.store(from: response, for: url)
        var problems: [String] = []
        for capture in check.captures {
            switch capture.value(in: response) {
            case .success(let value): captured[capture.name] = CapturedValue(value, secret: capture.secret)
            case .failure(let missing): problems.append(missing.message)
            }
        }
        return problems
    }
}
