// GET /dashboard/overview and its live parts: the audience over time and now, activity per hour, suppressions, the queue's health.
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import Foundation
import Hummingbird
import PostgresClient

/// Why four fragments with their own refresh: the queue's health changes by the second and is
/// cheap (the small `jobs` table), the audience and activity change by the minute and cost the
/// most; each part reloads at its own pace and the page loads them all in one snapshot.
struct OverviewRoutes: Sendable {
    let kit: DashboardKit

    /// The parts of the page, in page order. The queue reloads every refresh interval, the
    /// others `slowFactor` intervals apart (a minute by default).
    static let fragments = ["queue", "audience", "activity", "suppressions"]
    static let slowFactor = 6

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("overview") { request, context in
            let (schema, cache, known) = (kit.schema, kit.audienceNow, audienceNow())
            var data = try await kit.database.read { connection in
                // One clock for the whole page's snapshot.
                let now = try DatabaseClock(schema: schema).now(on: connection)
                var data: [String: any Sendable] = [:]
                for fragment in Self.fragments {
                    data[fragment] = try Self.load(fragment, schema, cache, known, now: now, on: connection)
                }
                return data
            }
            data["queueEvery"] = "\(kit.configuration.refreshSeconds)"
            data["slowEvery"] = "\(kit.configuration.refreshSeconds * Self.slowFactor)"
            return try await kit.page(
                request, context, section: .overview, title: "Overview", template: "overview/page", data: data)
        }
        for fragment in Self.fragments {
            group.get(RouterPath("overview/fragments/\(fragment)")) { _, _ in
                let (schema, cache) = (kit.schema, kit.audienceNow)
                let known = fragment == "audience" ? audienceNow() : nil
                let data = try await kit.database.read { connection in
                    try Self.load(
                        fragment, schema, cache, known, now: try DatabaseClock(schema: schema).now(on: connection),
                        on: connection)
                }
                return try await kit.fragment("overview/\(fragment)", data: data)
            }
        }
    }

    /// The remembered audience counts, and when they are stale one background recount (its
    /// time is not the request's: a detached task inherits no Server-Timing). Nil before the
    /// process's first count, which the page then makes in its own snapshot.
    func audienceNow() -> AudienceNowResult? {
        let cache = kit.audienceNow
        guard let entry = cache.peek() else { return nil }
        if !entry.fresh, cache.beginRefresh() {
            let (database, schema) = (kit.database, kit.schema)
            Task.detached {
                defer { cache.endRefresh() }
                if let counts = try? await database.read({ try AudienceNow(schema: schema).read(on: $0) }) {
                    cache.store(counts)
                }
            }
        }
        return entry.value
    }

    static func load(
        _ fragment: String, _ schema: SchemaName, _ cache: TimedCache<AudienceNowResult>,
        _ known: AudienceNowResult?, now: Date, on connection: isolated PGConnection
    ) throws
        -> [String: any Sendable]
    {
        switch fragment {
        case "queue": try OverviewQueue.load(schema, on: connection)
        case "audience": try OverviewAudience.load(schema, cache, known, now: now, on: connection)
        case "activity": try OverviewActivity.load(schema, now: now, on: connection)
        default: try OverviewSuppressions.load(schema, on: connection)
        }
    }
}
