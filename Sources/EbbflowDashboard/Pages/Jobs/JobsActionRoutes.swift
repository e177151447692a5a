// GET /dashboard/jobs/confirm (what an action will touch, how many) and POST /dashboard/jobs/actions (retry, cancel, delete).
import EbbflowCore
import EbbflowHTTP
import EbbflowOperations
import EbbflowQueue
import Hummingbird
import PostgresClient

/// Why a filtered action is fixed to the ids counted on its confirmation page (`max_id`):
/// the user agreed to a number; jobs that arrive later are never touched, and jobs that move
/// on meanwhile are skipped and counted. Why typing the count before deleting many: a delete
/// leaves no history, and a typed number is read, not clicked through.
struct JobsActionRoutes: Sendable {
    let kit: DashboardKit

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("jobs/confirm") { request, context in
            guard context.caller?.scope.allows(.admin) ?? false else {
                throw APIError(.forbidden, "confirming a job action needs an admin key")
            }
            let action = try JobBulkOperations.action(request.uri.queryParameters["action"].map(String.init))
            let data: [String: any Sendable]
            if let id = request.uri.queryParameters["id"] {
                try JobsQuery.refuseUnknown(
                    request.uri.queryParameters.map { String($0.key) }, allowed: ["action", "id"])
                data = try await one(action, id: try JobsQuery.jobID(String(id)))
            } else {
                let query = try JobsQuery(request, allowed: ["action", "state", "queue", "kind"])
                data = try await many(action, query)
            }
            return try await kit.page(
                request, context, section: .jobs, title: "\(action.rawValue.capitalized) jobs?",
                template: "jobs/confirm", data: data)
        }
        group.post("jobs/actions") { request, context in
            var request = request
            let form = try await kit.actionForm(&request, context)
            try JobsQuery.refuseUnknown(
                form.pairs.map(\.name),
                allowed: ["_csrf", "action", "id", "state", "queue", "kind", "max_id", "count", "typed"])
            let action = try JobBulkOperations.action(form["action"])
            if let id = form["id"] {
                return try await performOne(action, id: try JobsQuery.jobID(id))
            }
            return try await performMany(action, form)
        }
    }

    /// The confirmation of one job's action: the job as it is now.
    func one(_ action: JobBulkAction, id: Int64) async throws -> [String: any Sendable] {
        let schema = kit.schema
        var data = try await kit.database.read { connection in try JobsDetail.load(id, schema, on: connection) }
        guard let tab = JobTab(rawValue: data["state"] as? String ?? ""), action.tabs.contains(tab) else {
            throw OperationError.conflict(
                "job \(id) is \(data["state"] as? String ?? "unknown"); \(action.rawValue) applies to "
                    + action.tabs.map(\.rawValue).joined(separator: ", ") + " jobs")
        }
        data["action"] = action.rawValue
        data["actionLabel"] = action.rawValue.capitalized
        data["single"] = true
        data["danger"] = action == .delete
        data["cancelHref"] = "/dashboard/jobs/\(id)"
        return data
    }

    /// The confirmation of a filtered action: how many jobs now, up to which id.
    func many(_ action: JobBulkAction, _ query: JobsQuery) async throws -> [String: any Sendable] {
        let operations = JobBulkOperations(schema: kit.schema)
        let filter = query.filter
        let confirmation = try await kit.database.act { connection in
            try await operations.confirmation(action, filter, on: connection)
        }
        let count = confirmation.count
        var data: [String: any Sendable] = [
            "action": action.rawValue, "actionLabel": action.rawValue.capitalized,
            "described": query.described(count: count.capped ? 2 : count.value),
            "state": filter.tab.rawValue, "queue": filter.queue ?? "", "kind": filter.kind ?? "",
            "maxID": "\(confirmation.maxID)", "count": ViewFormat.count(count.value), "countValue": "\(count.value)",
            "danger": action == .delete, "typeCount": action == .delete, "none": count.value == 0,
            "cancelHref": "/dashboard/jobs?\(query.query())",
            "perCall": ViewFormat.count(JobBulkOperations.maximumPerCall),
        ]
        let shown = ViewFormat.count(count.value) + (count.capped ? "+" : "")
        data["button"] = "\(action.rawValue.capitalized) \(shown) \(count.value == 1 && !count.capped ? "job" : "jobs")"
        if count.capped { data["capped"] = true }
        if confirmation.scanStopped { data["scanStopped"] = true }
        return data
    }

    func performOne(_ action: JobBulkAction, id: Int64) async throws -> Response {
        let operations = JobBulkOperations(schema: kit.schema)
        let outcome = try await kit.database.act { connection in
            try await operations.perform(action, id: id, on: connection)
        }
        let location = action == .delete ? "/dashboard/jobs" : "/dashboard/jobs/\(id)"
        return kit.redirect(to: location, flash: outcome.message)
    }

    func performMany(_ action: JobBulkAction, _ form: FormFields) async throws -> Response {
        let query = try JobsQuery(state: form["state"], queue: form["queue"], kind: form["kind"])
        let maxID = try JobBulkOperations.maxID(form["max_id"])
        if action == .delete {
            let typed = (form["typed"] ?? "").filter { $0.isNumber }
            guard !typed.isEmpty, typed == form["count"] else {
                throw APIError(
                    .badRequest, "type the number of jobs to delete (\(form["count"]?.prefix(16) ?? "?")) to confirm",
                    field: "typed")
            }
        }
        let operations = JobBulkOperations(schema: kit.schema)
        let filter = query.filter
        let result = try await kit.database.act { connection in
            try await operations.perform(action, matching: filter, maxID: maxID, on: connection)
        }
        return kit.redirect(to: "/dashboard/jobs?\(query.query())", flash: Self.flash(action, result))
    }

    /// "retried 1,234; skipped 2; 345 remain: confirm the next batch".
    static func flash(_ action: JobBulkAction, _ result: JobBulkResult) -> String {
        let verb = ["retry": "retried", "cancel": "cancelled", "delete": "deleted"][action.rawValue] ?? action.rawValue
        var text = "\(verb) \(ViewFormat.count(result.done)); skipped \(ViewFormat.count(result.skipped))"
        if result.hasMore, result.remaining.value > 0 {
            let remaining = ViewFormat.count(result.remaining.value) + (result.remaining.capped ? "+" : "")
            text += "; \(remaining) remain: confirm the next batch"
        } else if result.hasMore {
            text += "; more may match beyond the jobs searched: confirm the next batch"
        } else {
            text += "; none remain"
        }
        return text
    }
}
