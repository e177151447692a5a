// Blocking waits in tests (a pipe to its end, a semaphore, a child's exit) on a thread of their own, awaited.
import Foundation

/// Why: the test process's cooperative pool has one thread per core (two here) and every suite
/// runs on it at once; a test that blocks a pool thread for seconds stalls every other suite's
/// awaits for as long (a pool test's waiters timed out after 30 s that way).
public enum OffPool {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }

    /// Waits for `process` to exit without holding a pool thread.
    public static func waitForExit(_ process: Process) async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        process.waitUntilExit()
    }
}
