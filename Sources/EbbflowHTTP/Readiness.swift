// Whether the process can take work now, as /readyz reports it: set by the owner, read per request.
import Synchronization

/// An atomic flag, not a lock: /readyz reads it on every probe and must never wait behind a
/// writer. Starts false: an owner says ready only once its database and workers are up.
public final class Readiness: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    public func set(_ ready: Bool) { value.store(ready, ordering: .releasing) }
    public var isReady: Bool { value.load(ordering: .acquiring) }
}
