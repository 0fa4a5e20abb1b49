/// Receives the events of a run: the console, `--json`, `--junit`.
///
/// Events arrive one at a time, in order, from the engine; a reporter must not throw or block
/// for long. Every reporter masks secrets in what it writes.
public protocol Reporter: Sendable {
    func handle(_ event: RunEvent)
}
