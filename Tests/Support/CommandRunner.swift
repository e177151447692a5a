// Runs the built `ebbflow` binary as a subprocess, as a user or an operator would.
import Foundation

/// What a finished command printed and how it exited.
public struct CommandResult: Sendable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
    public var output: String { stdout + stderr }
}

public enum EbbflowBinary {
    /// `EBBFLOW_BIN` (set by scripts/test), else the debug build next to the package.
    public static var path: String {
        if let path = ProcessInfo.processInfo.environment["EBBFLOW_BIN"], !path.isEmpty { return path }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/ebbflow").path
    }

    /// Starts `ebbflow ARGS` and returns the process, for tests that signal or run many at once.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Runs `ebbflow ARGS` to completion off the cooperative pool. With a `timeout`, a child
    /// still running then is SIGKILLed (exit code 128 + signal, and a line saying so), so a
    /// wedged child fails its test instead of hanging the suite.
    public static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration? = nil)
        async throws -> CommandResult
    {
        let (process, out, err) = try start(arguments, environment: environment)
        let pid = process.processIdentifier
        let watchdog = timeout.map { timeout in
            Task {
                try await Task.sleep(for: timeout)
                kill(pid, SIGKILL)
            }
        }
        defer { watchdog?.cancel() }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                // Both pipes drain at once, so a chatty stderr cannot block the child.
                nonisolated(unsafe) var stderr = Data()
                let stderrDone = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    stderr = err.fileHandleForReading.readDataToEndOfFile()
                    stderrDone.signal()
                }
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                stderrDone.wait()
                process.waitUntilExit()
                let killed = timeout != nil && process.terminationReason == .uncaughtSignal
                continuation.resume(
                    returning: CommandResult(
                        exitCode: killed ? 128 + process.terminationStatus : process.terminationStatus,
                        stdout: String(decoding: stdout, as: UTF8.self),
                        stderr: String(decoding: stderr, as: UTF8.self)
                            + (killed ? "\n[killed by signal \(process.terminationStatus): timed out?]" : "")))
            }
        }
    }
}
