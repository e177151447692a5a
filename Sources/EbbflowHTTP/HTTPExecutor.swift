// A task executor on one thread of its own, where every HTTP request of the process runs.
import Foundation

/// Why: Hummingbird runs each connection in a child task, and Swift's cooperative pool has one
/// thread per core (two here). A worker's jobs fill that pool (libpq calls block their
/// threads, and job code may too), and `/healthz` must still answer then: that is exactly when
/// an orchestrator needs the truth. `HTTPServer` runs the server under this executor's
/// preference (SE-0417), so its tasks and default actors run on this thread, never waiting
/// for a pool thread. One thread is enough: requests here are short and never block it.
final class HTTPExecutor: TaskExecutor, @unchecked Sendable {
    /// Process-wide: the thread lives as long as the process, like NIO's own event loops.
    static let shared = HTTPExecutor(name: "ebbflow-http")

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
