// One job's page data: its fields, args as pretty JSON, the timeline of attempts and errors, and the actions its state allows.
import EbbflowCore
import EbbflowOperations
import EbbflowQueue
import Foundation
import PostgresClient

/// Why the args are pretty-printed by PostgreSQL (`jsonb_pretty`) and not by Foundation: the
/// page shows exactly the stored value (numbers keep their digits, keys their order).
enum JobsDetail {
    /// Characters of pretty args shown; a larger document is cut with a note.
    static let maximumArgsLength = 100_000

    static func load(_ id: Int64, _ schema: SchemaName, on connection: isolated PGConnection) throws
        -> [String: any Sendable]
    {
        let now = try DatabaseClock(schema: schema).now(on: connection)
        guard let detail = try JobStore(schema: schema).detail(id, on: connection) else {
            throw OperationError.notFound("no job with id \(id) (a deleted job leaves no trace)")
        }
        let job = detail.job
        // One row from a bound value: no table read.
        let pretty: String =
            try connection.query("SELECT pg_catalog.jsonb_pretty($1::jsonb) AS pretty", [job.args]).first?
            .decode("pretty") ?? ""
        var data = JobRowView.context(job, now: now)
        data["argsPretty"] =
            pretty.count > maximumArgsLength
            ? String(pretty.prefix(maximumArgsLength))
                + "\n… (cut at \(ViewFormat.count(maximumArgsLength)) characters)"
            : pretty
        data["timeTitle"] = (data["timeLabel"] as? String ?? "").capitalized
        data["priority"] = "\(job.priority)"
        data["uniqueKey"] = job.uniqueKey
        data["worker"] = job.lockedBy
        data["createdUTC"] = ViewFormat.time(job.createdAt)
        data["listHref"] = "/dashboard/jobs?state=\(Href.component(job.state))&queue=\(Href.component(job.queue))"
        data["timeline"] = detail.timeline.map { entry in
            var item: [String: any Sendable] = [
                "when": ViewFormat.time(entry.at), "relative": ViewFormat.relative(entry.at, now: now),
                "what": words(entry), "failed": entry.event == .failed,
            ]
            item["message"] = entry.message
            return item
        }
        let tab = JobTab(rawValue: job.state)
        let allowed = JobBulkAction.allCases.filter { action in tab.map { action.tabs.contains($0) } ?? false }
        data["retry"] = allowed.contains(.retry)
        data["cancel"] = allowed.contains(.cancel)
        if allowed.contains(.delete) { data["deleteHref"] = "/dashboard/jobs/confirm?action=delete&id=\(job.id)" }
        data["anyAction"] = !allowed.isEmpty
        return data
    }

    /// A timeline entry in words: "attempt 2 failed (timeout)", "finished: discarded".
    static func words(_ entry: JobTimelineEntry) -> String {
        switch entry.event {
        case .created: "enqueued"
        case .failed: "attempt \(entry.attempt) failed (\(entry.kind ?? "error"))"
        case .attempted: "attempt \(entry.attempt) started"
        case .due: "attempt \(entry.attempt) due (\(entry.kind ?? "waiting"))"
        case .finished: "finished: \(entry.kind ?? "done")"
        }
    }
}
