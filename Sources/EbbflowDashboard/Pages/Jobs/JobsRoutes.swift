// GET /dashboard/jobs (state tabs, filter, keyset pages), its live counts fragment, and GET /dashboard/jobs/{id}.
import EbbflowCore
import EbbflowHTTP
import Hummingbird
import PostgresClient

/// Why the counts are a fragment of their own: they change by the second while a page of jobs
/// is being read; refreshing only the tabs keeps the rows (and the reader's place) still.
struct JobsRoutes: Sendable {
    let kit: DashboardKit

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("jobs") { request, context in
            let query = try JobsQuery(request)
            let schema = kit.schema
            var data = try await kit.database.read { connection in try JobsList.load(query, schema, on: connection) }
            data["countsEvery"] = "\(kit.configuration.refreshSeconds)"
            return try await kit.page(
                request, context, section: .jobs, title: "Jobs", template: "jobs/list", data: data)
        }
        group.get("jobs/fragments/counts") { request, _ in
            let query = try JobsQuery(request, allowed: ["state", "queue", "kind"])
            let schema = kit.schema
            let data = try await kit.database.read { connection in try JobsList.counts(query, schema, on: connection) }
            return try await kit.fragment("jobs/counts", data: data)
        }
        group.get("jobs/:id") { request, context in
            try JobsQuery.refuseUnknown(request.uri.queryParameters.map { String($0.key) }, allowed: [])
            let id = try JobsQuery.jobID(context.parameters.get("id"))
            let schema = kit.schema
            let data = try await kit.database.read { connection in try JobsDetail.load(id, schema, on: connection) }
            return try await kit.page(
                request, context, section: .jobs, title: "Job \(id)", template: "jobs/show", data: data)
        }
        JobsActionRoutes(kit: kit).add(to: group)
    }
}
