// The Workers and outbox page's two live parts: workers with heartbeats and running jobs, queues with limits; the outbox's state.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import Foundation
import PostgresClient

/// Why these statements are cheap enough for a 10 s refresh: `workers` holds a handful of
/// rows (primary key order, LIMIT 1,000) with running jobs counted over `jobs_running`; the
/// queue summary reads the small live `jobs` table and `queue_limits`; the outbox reads at
/// most 100,000 rows of each partial index (`sends_leasable`, `sends_leased`, `sends_dead`)
/// and LIMIT 20 failures (`OutboxBrowse`).
enum WorkersData {
    /// Workers and queues.
    static func workers(_ schema: SchemaName, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        let now = try DatabaseClock(schema: schema).now(on: connection)
        let rows = try WorkerStore(schema: schema).list(on: connection)
        let workers: [[String: any Sendable]] = rows.map { row in
            [
                "id": row.id, "queues": row.queues.joined(separator: ", "), "concurrency": "\(row.concurrency)",
                "started": ViewFormat.time(row.startedAt),
                "heartbeat": ViewFormat.age(seconds: row.heartbeatAgeSeconds),
                "stale": row.stale, "running": ViewFormat.count(row.running),
            ]
        }
        let queues: [[String: any Sendable]] = try JobStore(schema: schema).queues(on: connection).map { queue in
            var item: [String: any Sendable] = [
                "name": queue.name, "href": "/dashboard/jobs?state=available&queue=\(Href.component(queue.name))",
                "due": ViewFormat.count(queue.due), "later": ViewFormat.count(queue.later),
                "running": ViewFormat.count(queue.running), "retryable": ViewFormat.count(queue.retryable),
                "workers": ViewFormat.count(queue.workers),
            ]
            if let limit = queue.limit {
                item["limit"] =
                    "\(limit.rate.description), burst \(number(limit.burst)), \(number(limit.tokens)) tokens now"
            }
            return item
        }
        return [
            "workers": workers, "noWorkers": workers.isEmpty, "queues": queues, "noQueues": queues.isEmpty,
            "anyStale": rows.contains(where: \.stale), "asOf": ViewFormat.time(now),
            "staleAfter": ViewFormat.age(seconds: WorkerStore.defaultHeartbeatSeconds * 3),
        ]
    }

    /// The outbox: sends by state (capped), due ages, the newest dead and failed sends.
    static func outbox(_ schema: SchemaName, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        let snapshot = try OutboxBrowse(schema: schema).read(on: connection)
        let states: [[String: any Sendable]] = ["pending", "leased", "expired", "failed", "dead"].map { state in
            let count = snapshot.byState[state] ?? CappedCount(value: 0, capped: false)
            return [
                "state": state, "count": ViewFormat.count(count.value) + (count.capped ? "+" : ""),
                "alarm": state == "dead" && count.value > 0,
            ]
        }
        let ages = snapshot.dueAges
        let plus = ages.capped ? "+" : ""
        let buckets: [[String: any Sendable]] = [
            ("under a minute", ages.underMinute), ("a minute to an hour", ages.underHour),
            ("an hour to a day", ages.underDay), ("over a day", ages.older),
        ].map { ["label": $0.0, "count": ViewFormat.count($0.1) + ($0.1 > 0 ? plus : "")] }
        var data: [String: any Sendable] = [
            "states": states, "buckets": buckets, "asOf": ViewFormat.time(snapshot.now),
            "dead": snapshot.recentDead.map { failure($0, now: snapshot.now) },
            "failed": snapshot.recentFailed.map { failure($0, now: snapshot.now) },
            "noDead": snapshot.recentDead.isEmpty, "noFailed": snapshot.recentFailed.isEmpty,
            "agesCapped": ages.capped, "ageSample": ViewFormat.count(OutboxBrowse.ageSample),
        ]
        data["oldestDue"] = snapshot.oldestDueSeconds.map { ViewFormat.age(seconds: $0) }
        return data
    }

    /// A dead or failed send's row, its error cut to 500 characters (escaped by the template).
    static func failure(_ send: OutboxFailure, now: Date) -> [String: any Sendable] {
        var row: [String: any Sendable] = [
            "id": "\(send.id)", "contact": send.externalID, "flow": send.flow, "step": "\(send.step)",
            "template": send.template, "attempts": "\(send.attempts)",
            "when": ViewFormat.relative(send.finishedAt ?? send.at, now: now),
            "error": send.lastError.map { String($0.prefix(500)) } ?? "no error recorded",
        ]
        row["retryAt"] = send.notBefore.map { ViewFormat.relative($0, now: now) }
        return row
    }

    /// A bucket figure: whole when whole, else one decimal.
    static func number(_ value: Double) -> String {
        value.rounded() == value ? "\(Int(value))" : String(format: "%.1f", value)
    }
}
