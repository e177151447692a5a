// EBBFLOW_STALL_SECONDS: how long a statement may wait on the database before the process reports a stall.
import Foundation

/// Read once at start; a bad value stops the process with one line naming the variable.
///
/// Why 30 seconds by default: the statements watched (claims, completions, heartbeats, the
/// rescuer, the API's requests; not job handlers', see `StallMonitor`) take milliseconds on a
/// healthy database, so half a minute is far past any of them, even behind a lock held for a
/// migration or a vacuum's truncation; yet it is short next to the lease (the job is not lost)
/// and to an orchestrator's patience. Bounded 1...3600: below a second, a busy moment reads
/// as a stall; past an hour, a stall is an outage nobody was told of.
enum StallBound {
    static let variable = "EBBFLOW_STALL_SECONDS"
    static let defaultSeconds = 30.0
    static let range = 1.0...3_600.0

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> Duration
    {
        guard let text = environment[variable] else { return .seconds(defaultSeconds) }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let seconds = Double(trimmed), seconds.isFinite, range.contains(seconds) else {
            throw InputError("\(variable) must be a number of seconds 1...3600, got \"\(text.prefix(20))\"")
        }
        return .milliseconds(Int((seconds * 1_000).rounded()))
    }
}
