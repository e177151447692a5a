// GET /dashboard/schedules and POST …/{name}/run|enable|disable: the cron schedules, their next ticks, and acting on one.
import EbbflowAPI
import EbbflowCore
import EbbflowHTTP
import EbbflowOperations
import EbbflowQueue
import Foundation
import Hummingbird
import PostgresClient

/// Why no confirmation page for these actions: each touches one row and is undone by its
/// opposite (enable/disable) or is harmless to repeat (run now makes the schedule due; the
/// scheduler enqueues it once however many times it was asked).
struct SchedulesRoutes: Sendable {
    let kit: DashboardKit

    /// Upcoming fire times shown per schedule.
    static let upcoming = 3

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("schedules") { request, context in
            let schema = kit.schema
            let data = try await kit.database.read { connection in try Self.load(schema, on: connection) }
            return try await kit.page(
                request, context, section: .schedules, title: "Schedules", template: "schedules/page", data: data)
        }
        for verb in ["run", "enable", "disable"] {
            group.post("schedules/:name/\(verb)") { request, context in
                var request = request
                _ = try await kit.actionForm(&request, context)
                let name = try request.pathParameter("name", context)
                let operations = ScheduleOperations(schema: kit.schema)
                let outcome = try await kit.database.act { connection in
                    switch verb {
                    case "run": try await operations.runNow(name: name, on: connection)
                    default: try await operations.setEnabled(name: name, verb == "enable", on: connection)
                    }
                }
                return kit.redirect(to: NavSection.schedules.path, flash: outcome.message)
            }
        }
    }

    static func load(_ schema: SchemaName, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        let now = try DatabaseClock(schema: schema).now(on: connection)
        let rows = try ScheduleStore(schema: schema).list(on: connection)
        let schedules: [[String: any Sendable]] = rows.map { row in
            let zone = TimeZone(identifier: row.timeZone) ?? .gmt
            let ticks =
                (try? CronSchedule(parsing: row.cron, timeZone: zone)).map {
                    $0.nextTimes(after: row.nextRunAt, count: Self.upcoming)
                } ?? []
            var item: [String: any Sendable] = [
                "name": row.name, "cron": row.cron, "zone": row.timeZone, "kind": row.kind, "queue": row.queue,
                "enabled": row.enabled, "nextLocal": ViewFormat.time(row.nextRunAt, in: zone),
                "nextRelative": ViewFormat.relative(row.nextRunAt, now: now),
                "later": ticks.map { ViewFormat.time($0, in: zone) }.joined(separator: ", "),
                "jobsHref": "/dashboard/jobs?kind=\(Href.component(row.kind))",
                "action": "/dashboard/schedules/\(Href.component(row.name))",
            ]
            if zone.identifier != "UTC" { item["nextUTC"] = ViewFormat.time(row.nextRunAt) }
            item["lastRun"] = row.lastRunAt.map { "\(ViewFormat.time($0)) (\(ViewFormat.relative($0, now: now)))" }
            return item
        }
        return ["schedules": schedules, "now": ViewFormat.time(now), "count": ViewFormat.count(rows.count)]
    }
}
