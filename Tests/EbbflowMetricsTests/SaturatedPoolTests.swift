// /healthz answers while every cooperative thread is blocked, proved in a test process of its own.
import EbbflowHTTP
import Foundation
import Prometheus
import Synchronization
import Testing

/// Set only in the child process that runs `SaturatedPoolProbe`.
let saturatedPoolProbeSwitch = "EBBFLOW_SATURATED_POOL_PROBE"

/// Blocking every cooperative thread stalls every other test of the process (and starved
/// time-limited worker tests into failing), so the probe runs alone: this test starts this
/// same test binary, filtered to `SaturatedPoolProbe`, which is enabled only there.
@Suite struct SaturatedPoolTests {
    @Test(.timeLimit(.minutes(2))) func healthzAnswersWhileTheCooperativePoolIsSaturated() async throws {
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: binary)
        child.arguments = ["--testing-library", "swift-testing", "--filter", "SaturatedPoolProbe"]
        child.environment = ProcessInfo.processInfo.environment.merging([saturatedPoolProbeSwitch: "1"]) { $1 }
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        let exited = AsyncStream<Int32>.makeStream()
        child.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
        try child.run()
        // Read on a thread of its own: the child runs for seconds, and a pool thread blocked
        // that long stalls every suite beside this one.
        let reader = output.fileHandleForReading
        let said = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)) }
                .start()
        }
        let status = await exited.stream.first { _ in true }
        #expect(status == 0, "\(said)")
        #expect(said.contains("healthzAnswersWhileEveryCooperativeThreadIsBlocked() passed"), "\(said)")
    }
}

/// Every cooperative thread blocked (as a worker's jobs can block them), and /healthz still
/// answers: the server's tasks run on a thread of their own. The client runs on a plain
/// thread, since no cooperative one is free; its 5 s receive timeout is a hang guard. The
/// proof that the pool stayed saturated throughout is a canary task enqueued just before the
/// request, behind the queued blockers: it has not run when the answer arrives.
@Suite(.enabled(if: ProcessInfo.processInfo.environment[saturatedPoolProbeSwitch] == "1"))
struct SaturatedPoolProbe {
    @Test func healthzAnswersWhileEveryCooperativeThreadIsBlocked() async throws {
        let routes: [any HTTPRoutes] = [ProbeRoutes(readiness: Readiness())]
        try await RunningServer.with(routes) { port async throws in
            let threads = ProcessInfo.processInfo.activeProcessorCount
            let gate = PoolGate(blockers: 4 * threads + 4)
            // The blockers' own priority: a queue of another priority may be given threads of its own.
            let priority = Task.currentPriority
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<gate.blockers { group.addTask { gate.blockUntilReleased() } }
                let probe = Thread {
                    gate.waitUntilPoolIsFull(threads: threads, atMost: 30)
                    let canary = Canary()
                    Task.detached(priority: priority) { canary.sing() }
                    let answer = Result { try RawHTTPClient.get("/healthz", port: port) }
                    gate.release(with: answer, canaryHadRun: canary.sang)
                }
                probe.start()
                await group.waitForAll()
            }
            let answer = try #require(gate.answer)
            #expect(try answer.get().status == 200)
            #expect(gate.blockedAtOnce >= threads, "every cooperative thread held by a blocker")
            #expect(
                gate.canaryHadRun == false,
                "a cooperative thread was free during the request: the pool was not saturated (\(gate.blockedAtOnce) blocked)"
            )
        }
    }
}

/// Holds cooperative threads blocked (not suspended) until a probe on a plain thread is done.
final class PoolGate: @unchecked Sendable {
    let blockers: Int
    private let condition = NSCondition()
    private var blocked = 0
    private var released = false
    private(set) var blockedAtOnce = 0
    private(set) var answer: Result<RawHTTPClient.Response, any Error>?
    private(set) var canaryHadRun: Bool?

    init(blockers: Int) { self.blockers = blockers }

    /// Blocks the calling (cooperative) thread until `release`.
    func blockUntilReleased() {
        condition.lock()
        blocked += 1
        blockedAtOnce = max(blockedAtOnce, blocked)
        condition.broadcast()
        while !released { condition.wait() }
        condition.unlock()
    }

    /// Returns once `threads` blockers hold their threads, or after `seconds` at most (a hang guard).
    func waitUntilPoolIsFull(threads: Int, atMost seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        while blocked < threads && condition.wait(until: deadline) {}
        condition.unlock()
    }

    func release(with answer: Result<RawHTTPClient.Response, any Error>, canaryHadRun: Bool) {
        condition.lock()
        self.answer = answer
        self.canaryHadRun = canaryHadRun
        released = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Set by a task once a cooperative thread runs it.
final class Canary: Sendable {
    private let flag = Atomic<Bool>(false)
    func sing() { flag.store(true, ordering: .releasing) }
    var sang: Bool { flag.load(ordering: .acquiring) }
}
