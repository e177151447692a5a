// GET /dashboard/workers and its live parts: worker processes and queues (every refresh), the outbox (slower).
import EbbflowCore
import EbbflowHTTP
import Hummingbird
import PostgresClient

/// Why two paces: a worker's heartbeat age changes every second and costs a few rows; the
/// outbox's capped counts read up to 100,000 index rows each, so they reload
/// `outboxFactor` times less often. The page itself loads both from one snapshot.
struct WorkersRoutes: Sendable {
    let kit: DashboardKit

    static let fragments = ["workers", "outbox"]
    /// The outbox reloads every this many refresh intervals (30 s by default).
    static let outboxFactor = 3

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("workers") { request, context in
            try JobsQuery.refuseUnknown(request.uri.queryParameters.map { String($0.key) }, allowed: [])
            let schema = kit.schema
            var data = try await kit.database.read { connection in
                [
                    "workers": try WorkersData.workers(schema, on: connection),
                    "outbox": try WorkersData.outbox(schema, on: connection),
                ] as [String: any Sendable]
            }
            data["workersEvery"] = "\(kit.configuration.refreshSeconds)"
            data["outboxEvery"] = "\(kit.configuration.refreshSeconds * Self.outboxFactor)"
            return try await kit.page(
                request, context, section: .workers, title: "Workers and outbox", template: "workers/page", data: data)
        }
        for fragment in Self.fragments {
            group.get(RouterPath("workers/fragments/\(fragment)")) { _, _ in
                let schema = kit.schema
                let data = try await kit.database.read { connection in
                    fragment == "workers"
                        ? try WorkersData.workers(schema, on: connection)
                        : try WorkersData.outbox(schema, on: connection)
                }
                return try await kit.fragment("workers/\(fragment)", data: data)
            }
        }
    }
}
