// Real `ebbflow worker` processes for a simulation: started, killed on purpose, stopped gracefully.
import Foundation

/// Why processes and not in-process workers: the simulation is also the end-to-end test, so it
/// runs the production binary and code paths. The database URL goes through the environment,
/// never the command line, so a password never shows in `ps`.
public final class WorkerFleet: @unchecked Sendable {
    private let binary: String
    private let arguments: [String]
    private let environment: [String: String]
    private var processes: [Process] = []
    private let lock = NSLock()

    public init(binary: String, databaseURL: String, schema: String, concurrency: Int, leaseSeconds: Double) {
        self.binary = binary
        arguments = [
            "worker", "--queues", "default,sweeps", "--concurrency", "\(concurrency)", "--schema", schema,
            "--lease-seconds", "\(leaseSeconds)", "--completed-retention", "0", "--log-level", "error",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        self.environment = environment
    }

    public func start(count: Int) throws {
        for _ in 0..<count { try startOne() }
    }

    private func startOne() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        lock.withLock { processes.append(process) }
    }

    /// SIGKILLs the first live worker and starts a replacement: its leased jobs come back
    /// through the rescuer of the survivors, as in production.
    public func killOneAndReplace() throws {
        let victim = lock.withLock { processes.first { $0.isRunning } }
        guard let victim else { return }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        try startOne()
    }

    /// Exit statuses of workers that exited on their own (not killed on purpose): a worker
    /// that dies fails the simulation loudly instead of leaving it waiting.
    public var unexpectedExits: [Int32] {
        lock.withLock { processes.filter { !$0.isRunning && $0.terminationReason == .exit }.map(\.terminationStatus) }
    }

    /// SIGTERM to all, then wait: graceful shutdown, nothing left running.
    public func stop() {
        let all = lock.withLock { processes }
        for process in all where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for process in all { process.waitUntilExit() }
    }

    deinit { stop() }
}
