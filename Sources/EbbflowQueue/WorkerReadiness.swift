// Whether the worker takes work: a stop request, and readiness as /readyz reports it, in one place.
import Foundation
import Synchronization

/// Why together: readiness must never go back to true once a stop was asked, and the stop
/// request is set from outside the claim loop (a graceful-shutdown handler, `QueueWorker.stop`,
/// which cannot wait for the loop). One lock keeps both facts consistent.
///
/// Ready once the worker is registered and about to claim, false while its claims fail (the
/// database is unreachable) and from the moment it is asked to stop, true again after a claim
/// succeeds. The owner is told only of changes.
final class WorkerReadiness: @unchecked Sendable {
    private let lock = NSLock()
    private var ready = false
    private var stopping = false
    private var stopAskedAt: ContinuousClock.Instant?
    private let onChange: @Sendable (Bool) -> Void

    init(onChange: @escaping @Sendable (Bool) -> Void) {
        self.onChange = onChange
    }

    var stopRequested: Bool { lock.withLock { stopping } }

    /// When the stop was first asked: the shutdown timeout runs from here, even while the claim
    /// loop was held up (a claim blocked on the database) before it could start shutting down.
    var stopRequestedAt: ContinuousClock.Instant? { lock.withLock { stopAskedAt } }

    func set(_ value: Bool) {
        let changed = lock.withLock {
            guard value != ready, !(value && stopping) else { return false }
            ready = value
            return true
        }
        if changed { onChange(value) }
    }

    /// Asks the claim loop to stop; the worker is not ready from now on.
    func requestStop() {
        lock.withLock {
            stopping = true
            if stopAskedAt == nil { stopAskedAt = .now }
        }
        set(false)
    }
}

/// Holds the claim loop back until the process opens it: a worker serving HTTP claims nothing
/// before its server listens, so a port in use ends the worker before it took any job (as the
/// server started first did before the services).
public final class ClaimGate: Sendable {
    private let opened = Atomic<Bool>(false)

    public init() {}

    public func open() { opened.store(true, ordering: .releasing) }
    var isOpen: Bool { opened.load(ordering: .acquiring) }
}
