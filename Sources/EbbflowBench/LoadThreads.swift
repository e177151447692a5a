// Dedicated threads for the load generator, a monotonic clock in nanoseconds, and sleeping until an instant.
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Why threads of their own: Swift's cooperative pool has one thread per core (two here), and
/// a generator that blocks in `send`/`recv` there would stall every other task and time its own
/// scheduling instead of the server. Each body runs on its own `Thread` and blocks freely; the
/// caller awaits all of them without holding a pool thread.
enum LoadThreads {
    static func run<T: Sendable>(_ count: Int, name: String, _ body: @escaping @Sendable (Int) throws -> T) async throws
        -> [T]
    {
        let results = ResultSlots<T>(count: count)
        return try await withCheckedThrowingContinuation { continuation in
            for index in 0..<count {
                let thread = Thread {
                    let result = Result { try body(index) }
                    if let all = results.store(result, at: index) { continuation.resume(with: all) }
                }
                thread.name = "\(name)-\(index)"
                thread.start()
            }
        }
    }
}

/// Each thread's result in its slot; the thread that fills the last slot hands all of them on.
private final class ResultSlots<T: Sendable>: Sendable {
    private let slots: Mutex<[Result<T, any Error>?]>
    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    /// All the results (or the first error in thread order) once every slot is filled, else nil.
    func store(_ result: Result<T, any Error>, at index: Int) -> Result<[T], any Error>? {
        slots.withLock { slots in
            slots[index] = result
            guard slots.allSatisfy({ $0 != nil }) else { return nil }
            return Result { try slots.map { try $0!.get() } }
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds: what the open-loop schedule and every latency are counted in.
enum Monotonic {
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Sleeps until `deadline` (absolute, so the schedule does not drift with oversleeps).
    static func sleep(until deadline: UInt64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }

    static func milliseconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e6 }
}

/// A shared counter the generator threads take request numbers from.
final class RequestCounter: Sendable {
    private let next = Atomic<Int>(0)
    /// The next request number, or nil once `limit` have been taken.
    func take(below limit: Int) -> Int? {
        let value = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return value < limit ? value : nil
    }
}
