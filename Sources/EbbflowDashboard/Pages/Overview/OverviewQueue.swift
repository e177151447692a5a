// The overview's queue part: backlog and oldest due job per queue, jobs running, jobs discarded in the last day.
import EbbflowCore
import EbbflowQueue
import PostgresClient

enum OverviewQueue {
    static func load(_ schema: SchemaName, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        let health = try JobStore(schema: schema).health(on: connection)
        let queues: [[String: any Sendable]] = health.queues.map { row in
            var item: [String: any Sendable] = [
                "queue": row.queue, "href": "/dashboard/jobs?queue=\(Href.component(row.queue))",
                "available": ViewFormat.count(row.available), "scheduled": ViewFormat.count(row.scheduled),
                "retryable": ViewFormat.count(row.retryable), "running": ViewFormat.count(row.running),
                "depth": ViewFormat.count(row.depth),
            ]
            item["oldestDue"] = row.oldestDueSeconds.map { ViewFormat.age(seconds: $0) }
            item["late"] = (row.oldestDueSeconds ?? 0) > 60
            return item
        }
        let discarded = health.discardedLastDay
        return [
            "queues": queues, "none": queues.isEmpty,
            "discarded": ViewFormat.count(discarded.value) + (discarded.capped ? "+" : "")
                + (discarded.value == 1 && !discarded.capped ? " job" : " jobs"),
            "anyDiscarded": discarded.value > 0, "asOf": ViewFormat.time(health.now),
        ]
    }
}
