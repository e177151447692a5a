// A real `ebbflow serve` child for the HTTP benchmark: started on a free port, its memory read from /proc, stopped with SIGTERM.
import Foundation
import Synchronization

/// Why a child process and not the API in-process: the figures are those of the binary a team
/// deploys (its threads, its pool, its resident memory), and the generator's own memory and
/// CPU stay out of the server's /proc figures.
final class ServeProcess: Sendable {
    let port: UInt16
    private let process: Process
    private let log: ServeLog

    var pid: Int32 { process.processIdentifier }

    private init(process: Process, port: UInt16, log: ServeLog) {
        self.process = process
        self.port = port
        self.log = log
    }

    /// Starts `ebbflow serve --port 0` and waits (up to 30 s) for its "listening on" line.
    static func start(ebbflow: String, databaseURL: String, schema: String, poolConnections: Int?) throws
        -> ServeProcess
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ebbflow)
        process.arguments =
            ["serve", "--port", "0", "--schema", schema, "--database-url", databaseURL]
            + (poolConnections.map { ["--connections", "\($0)"] } ?? [])
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let log = ServeLog()
        // Drained for the process's whole life: a full pipe would block the server's logging.
        let reader = Thread { log.drain(stderr.fileHandleForReading) }
        reader.name = "serve-stderr"
        reader.start()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let port = log.listeningPort { return ServeProcess(process: process, port: port, log: log) }
            guard process.isRunning else {
                throw BenchError("ebbflow serve exited with \(process.terminationStatus): \(log.tail)")
            }
            usleep(20_000)
        }
        process.terminate()
        throw BenchError("ebbflow serve did not log \"listening on\" within 30 s: \(log.tail)")
    }

    /// SIGTERM, then waits for the graceful shutdown; throws unless it exits 0.
    func stop() throws {
        guard process.isRunning else { throw BenchError("ebbflow serve had already exited: \(log.tail)") }
        process.terminate()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw BenchError("ebbflow serve exited with \(process.terminationStatus) after SIGTERM: \(log.tail)")
        }
    }

    /// Best effort for error paths.
    func kill() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    var logTail: String { log.tail }
}

/// The server's standard error: the port it logged, and its last lines for error messages.
private final class ServeLog: Sendable {
    private let state = Mutex<(port: UInt16?, lines: [String], partial: String)>((nil, [], ""))

    var listeningPort: UInt16? { state.withLock { $0.port } }
    var tail: String { state.withLock { $0.lines.suffix(5).joined(separator: " | ") } }

    func drain(_ handle: FileHandle) {
        while true {
            let data = handle.availableData
            if data.isEmpty { return }
            state.withLock { state in
                let text = state.partial + String(decoding: data, as: UTF8.self)
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                state.partial = lines.removeLast()
                for line in lines {
                    if state.port == nil, let range = line.range(of: "listening on 127.0.0.1:") {
                        state.port = UInt16(line[range.upperBound...].prefix { $0.isNumber })
                    }
                    state.lines.append(line)
                }
                if state.lines.count > 50 { state.lines.removeFirst(state.lines.count - 50) }
            }
        }
    }
}

/// Resident memory of a process from /proc/PID/status, in MB (1,048,576 bytes).
enum ProcessMemory {
    /// `VmRSS` (now) and `VmHWM` (the peak since it started).
    static func read(pid: Int32) -> (rss: Double, peak: Double)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else {
                return nil
            }
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 / 1024 }
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }
}

/// CPU seconds a process has used (user + system), from /proc/PID/stat: with the wall time of a
/// phase, how much of the two cores the server and the generator each took.
enum ProcessCPU {
    static func seconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command's closing parenthesis: state is the 3rd field, utime the 14th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Samples a process's VmRSS every 100 ms on a thread of its own until stopped.
final class MemorySampler: Sendable {
    private let samples = Mutex<[Double]>([])
    private let stopped = Atomic<Bool>(false)
    private let done = Mutex<Bool>(false)

    init(pid: Int32) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                if let memory = ProcessMemory.read(pid: pid) { samples.withLock { $0.append(memory.rss) } }
                usleep(100_000)
            }
            done.withLock { $0 = true }
        }
        thread.name = "serve-memory"
        thread.start()
    }

    /// Stops sampling; the highest VmRSS seen and the number of samples.
    func stop() -> (maxRSS: Double, samples: Int) {
        stopped.store(true, ordering: .relaxed)
        while !done.withLock({ $0 }) { usleep(10_000) }
        return samples.withLock { ($0.max() ?? .nan, $0.count) }
    }
}
