// What the server says a backend waits for (pg_stat_activity), read on a short-lived connection that cannot hang.
import Logging

/// The server's view of one backend, for the stall warning.
struct ServerWaitView: Sendable {
    /// `wait_event_type/wait_event` (`Lock/relation`, `IPC/SyncRep`…), or why it is unknown.
    var wait: String
    /// The pids holding what it waits for (`pg_blocking_pids`), when any.
    var blockedBy: String?

    /// Options of the reading connection, after the user's own (they win over the user's here):
    /// the read must end in seconds even when the database does not answer.
    static let probeOptions: [(keyword: String, value: String)] = [
        ("connect_timeout", "3"), ("fallback_application_name", "ebbflow stall probe"),
    ]

    /// The view of `backendPID`, read on a connection of its own (never a pooled one: the pool may
    /// be what is stalled) with a 3-second connect timeout and a 2-second statement timeout, and
    /// given up after 6 seconds in any case.
    static func read(backendPID: Int32, database: PGConfiguration, logger: Logger) async -> ServerWaitView {
        guard backendPID != 0 else { return ServerWaitView(wait: "none yet: the connection is being opened") }
        var probe = database
        probe.overrides = probeOptions
        let configuration = probe
        let answer = await resultWithin(.seconds(6)) { () async -> Result<ServerWaitView, PGError> in
            do {
                let connection = try await PGConnection.connect(configuration, logger: logger, watched: false)
                defer { Task { await connection.close() } }
                return .success(try await connection.run { try Self.view(of: backendPID, on: $0) })
            } catch let error as PGError {
                return .failure(error)
            } catch {
                return .failure(PGError(.unexpected, "\(error)"))
            }
        }
        switch answer {
        case .success(let view): return view
        case .failure(let error):
            return ServerWaitView(wait: "unknown: could not read pg_stat_activity: \(error.message)")
        case nil: return ServerWaitView(wait: "unknown: pg_stat_activity did not answer within 6 s")
        }
    }

    private static func view(of pid: Int32, on connection: isolated PGConnection) throws -> ServerWaitView {
        let rows = try connection.queryInOwnTransaction(
            """
            SELECT coalesce(wait_event_type, '') AS type, coalesce(wait_event, '') AS event, coalesce(state, '') AS state,
                   array_to_string(pg_catalog.pg_blocking_pids(pid), ',') AS blockers
            FROM pg_catalog.pg_stat_activity WHERE pid = $1
            """, [Int(pid)], settings: ["statement_timeout": "2000", "lock_timeout": "1000"])
        guard let row = rows.first else { return ServerWaitView(wait: "unknown: the backend is gone") }
        let (type, event, state, blockers): (String, String, String, String) = (
            try row.decode("type"), try row.decode("event"), try row.decode("state"), try row.decode("blockers")
        )
        let wait = type.isEmpty ? "none (state \(state))" : "\(type)/\(event)"
        return ServerWaitView(wait: wait, blockedBy: blockers.isEmpty ? nil : blockers)
    }
}
