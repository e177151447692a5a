// A serial executor backed by one dedicated OS thread: where every libpq call of one connection runs.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the jobs of one `PGConnection` actor, one at a time, on a thread of its own.
///
/// **The threading choice is made here.** Every libpq call blocks its thread: a query waits
/// for the server, `PQconnectdb` waits for DNS and authentication, a notification wait sits in
/// `poll(2)`. Swift's cooperative pool has one thread per core (two on our machines), so a single
/// blocked call there would stall every task in the process. Driving libpq's non-blocking API
/// from the pool would avoid threads, but it turns every call (connect, COPY, prepared
/// statements, notification waits) into a hand-written state machine over the socket.
/// A thread per connection keeps libpq's simple blocking API, costs one parked thread per
/// connection (pools here are small: 10–30), and makes the connection actor's isolation the
/// same thing as "this thread owns this `PGconn`", which libpq requires anyway (a `PGconn`
/// must never be used from two threads at once). SE-0392 custom executors make the actor run
/// its methods on that thread; code inside a transaction closure runs there synchronously,
/// so a multi-statement transaction pays no thread hop per statement.
final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: JobQueue

    init(name: String) {
        queue = JobQueue()
        queue.executor = UnownedSerialExecutor(ordinary: self)
        let thread = Thread { [queue] in
            // Linux threads inherit their creator's name; name ours so tools and tests see it.
            Thread.current.name = String(name.prefix(15))
            queue.runLoop()
        }
        thread.stackSize = 1 << 20
        thread.start()
        queue.waitUntilStarted()
    }

    deinit {
        queue.stop()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// True on this executor's own thread.
    var isCurrentThread: Bool { queue.isCurrentThread }

    /// Lets `assumeIsolated` and the runtime's isolation checks succeed on our own thread.
    func checkIsolated() {
        precondition(queue.isCurrentThread, "not on this connection's thread")
    }
}

/// The locked job list and the loop of the executor's thread. Kept apart from the executor so
/// the thread does not keep the executor alive: the executor's `deinit` stops the thread.
private final class JobQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var spare: [UnownedJob] = []
    private var stopping = false
    private var started = false
    private var threadID: pthread_t?
    /// Set once before the thread starts; unowned so it does not retain the executor.
    var executor: UnownedSerialExecutor?

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        jobs.reserveCapacity(16)
        spare.reserveCapacity(16)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    var isCurrentThread: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard let threadID else { return false }
        return pthread_equal(threadID, pthread_self()) != 0
    }

    func waitUntilStarted() {
        pthread_mutex_lock(mutex)
        while !started { pthread_cond_wait(condition, mutex) }
        pthread_mutex_unlock(mutex)
    }

    func push(_ job: UnownedJob) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        let wasEmpty = jobs.count == 1
        pthread_mutex_unlock(mutex)
        if wasEmpty { pthread_cond_signal(condition) }
    }

    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    func runLoop() {
        pthread_mutex_lock(mutex)
        threadID = pthread_self()
        started = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
        guard let executor else { return }
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopping {
                pthread_cond_wait(condition, mutex)
            }
            if jobs.isEmpty && stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            swap(&jobs, &spare)
            pthread_mutex_unlock(mutex)
            for job in spare {
                job.runSynchronously(on: executor)
            }
            spare.removeAll(keepingCapacity: true)
        }
    }
}
