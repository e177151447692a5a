// Waits for an operation at most so long, then goes on without it: for work that may block on a database that stopped answering.
import Foundation

/// The result of `work`, or nil when it did not finish within `limit`.
///
/// Why not a task group with a timer: a group waits for all its children, and a child awaiting
/// a connection whose thread is blocked in libpq cannot be made to return by cancellation. Here
/// the work runs in a task of its own that is left behind when the bound passes (it ends when
/// the database answers, or with the process); the caller is free at once.
public func resultWithin<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
    let once = ResumeOnce<T>()
    return await withCheckedContinuation { continuation in
        once.arm(continuation)
        Task { once.resume(with: await work()) }
        Task {
            try? await Task.sleep(for: limit)
            once.resume(with: nil)
        }
    }
}

/// Resumes a continuation with the first value offered; later offers are dropped.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T?, Never>?
    private var early: (T?)?

    func arm(_ continuation: CheckedContinuation<T?, Never>) {
        let ready: (T?)? = lock.withLock {
            if let early { return early }
            self.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func resume(with value: T?) {
        let waiting: CheckedContinuation<T?, Never>? = lock.withLock {
            if continuation == nil {
                if early == nil { early = .some(value) }
                return nil
            }
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
    }
}

/// Whether `work` finished within `limit` (see `resultWithin`).
public func finishedWithin(_ limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
    await resultWithin(limit) { () async -> Bool in
        await work()
        return true
    } ?? false
}
