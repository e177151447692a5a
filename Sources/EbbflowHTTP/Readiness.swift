// Whether the process can take work now, as /readyz reports it: set by the owner, read per request.
import Synchronization

/// Atomic flags, not a lock: /readyz reads them on every probe and must never wait behind a
/// writer. Starts not ready: an owner says ready only once its database and workers are up.
///
/// Two facts, each with its own writer: the owner's (`set`: registered, the database reachable,
/// not stopping) and the stall monitor's (`setStalled`: a statement of the process has waited on
/// the server past its bound). Ready means the first and not the second, so neither writer can
/// undo the other's "not ready".
public final class Readiness: Sendable {
    private let value = Atomic<Bool>(false)
    private let stalled = Atomic<Bool>(false)

    public init() {}

    public func set(_ ready: Bool) { value.store(ready, ordering: .releasing) }
    /// Set while a statement of the process waits on the database past the stall bound.
    public func setStalled(_ isStalled: Bool) { stalled.store(isStalled, ordering: .releasing) }
    public var isReady: Bool { value.load(ordering: .acquiring) && !stalled.load(ordering: .acquiring) }
}
