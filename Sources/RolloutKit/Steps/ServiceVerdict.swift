/// What one look at a service after a restart found.
enum ServiceVerdict: Sendable, Equatable {
    /// The new process runs (its `MainPID`, "0" when the unit has none).
    case running(String, pid: String)
    case waiting(String)
    /// Waiting longer cannot help: why.
    case failed(String)

    var state: String {
        switch self {
        case .running(let state, _), .waiting(let state), .failed(let state): state
        }
    }
}
