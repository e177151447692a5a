// POST, PUT and DELETE routes of the admin scope: jobs, schedules, queue limits, the policy, streams, templates, promote, suppress, the outbox.
import EbbflowCore
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird

/// Each is the CLI's operation with its validation and messages; the answer is the action's
/// document (`{"message": "<the line the CLI prints>", ...}`). No action is reachable by GET:
/// a link, a prefetch or a crawler must never change anything.
struct AdminRoutes {
    let schema: SchemaName
    let database: APIDatabase

    /// Policy, stream and template documents: generous for a hand-written file, bounded for the server.
    static let documentLimit = 1_024 * 1_024

    func add(to group: RouterGroup<HTTPContext>) {
        let (schema, database) = (self.schema, self.database)
        group.post("jobs/{id}/retry") { request, context in
            _ = try QueryParameters(request, known: [])
            let text = try request.pathParameter("id", context)
            let id = try OperationAnswers.input { try JobOperations.id(text) }
            return try await answer(database) { try await JobOperations(schema: schema).retry(id: id, on: $0).document }
        }
        group.post("jobs/{id}/cancel") { request, context in
            _ = try QueryParameters(request, known: [])
            let text = try request.pathParameter("id", context)
            let id = try OperationAnswers.input { try JobOperations.id(text) }
            return try await answer(database) {
                try await JobOperations(schema: schema).cancel(id: id, on: $0).document
            }
        }
        group.post("schedules/{name}/run") { request, context in
            _ = try QueryParameters(request, known: [])
            let name = try request.pathParameter("name", context)
            return try await answer(database) {
                try await ScheduleOperations(schema: schema).runNow(name: name, on: $0).document
            }
        }
        for (action, enabled) in [("enable", true), ("disable", false)] {
            group.post(RouterPath(stringLiteral: "schedules/{name}/\(action)")) { request, context in
                _ = try QueryParameters(request, known: [])
                let name = try request.pathParameter("name", context)
                return try await answer(database) {
                    try await ScheduleOperations(schema: schema).setEnabled(name: name, enabled, on: $0).document
                }
            }
        }
        group.put("queues/{queue}/limit") { request, context in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.json.check(request)
            let name = try request.pathParameter("queue", context)
            let body = Data(try await RequestBody.bytes(request, limit: BodyLimit.message))
            let (queue, rate) = try OperationAnswers.input {
                (
                    try QueueOperations.queue(name),
                    try QueueOperations.rate(try ConsentOperations.text(fromBody: body, key: "rate"))
                )
            }
            return try await answer(database) {
                try await QueueOperations(schema: schema).limit(queue: queue, rate: rate, on: $0).document
            }
        }
        group.delete("queues/{queue}/limit") { request, context in
            _ = try QueryParameters(request, known: [])
            let name = try request.pathParameter("queue", context)
            let queue = try OperationAnswers.input { try QueueOperations.queue(name) }
            return try await answer(database) {
                try await QueueOperations(schema: schema).clear(queue: queue, on: $0).document
            }
        }
        group.put("policy") { request, _ in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.document.check(request)
            let body = Data(try await RequestBody.bytes(request, limit: Self.documentLimit))
            return try await answer(database) {
                try await PolicyOperations(schema: schema).set(document: body, on: $0).document
            }
        }
        group.put("streams") { request, _ in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.document.check(request)
            let body = Data(try await RequestBody.bytes(request, limit: Self.documentLimit))
            return try await answer(database) {
                try await StreamOperations(schema: schema).apply(document: body, on: $0).document
            }
        }
        group.post("templates") { request, _ in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.document.check(request)
            let body = Data(try await RequestBody.bytes(request, limit: Self.documentLimit))
            return try await answer(database) {
                try await TemplateOperations(schema: schema).apply(document: body, on: $0).document
            }
        }
        for (action, key) in [("suppress", "reason"), ("unsuppress", "consent_source")] {
            group.post(RouterPath(stringLiteral: "contacts/{external_id}/\(action)")) { request, context in
                _ = try QueryParameters(request, known: [])
                _ = try MediaTypes.json.check(request)
                let id = try request.pathParameter("external_id", context)
                let body = Data(try await RequestBody.bytes(request, limit: BodyLimit.message))
                let text = try OperationAnswers.input { try ConsentOperations.text(fromBody: body, key: key) }
                return try await answer(database) {
                    let operations = ConsentOperations(schema: schema)
                    return action == "suppress"
                        ? try await operations.suppress(externalID: id, reason: text, on: $0).document
                        : try await operations.unsuppress(externalID: id, consentSource: text, on: $0).document
                }
            }
        }
        PrivacyRoutes(schema: schema, database: database).add(to: group)
        SendRoutes(schema: schema, database: database).add(to: group)
        group.post("experiments/{name}/promote") { request, context in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.json.check(request)
            let name = try request.pathParameter("name", context)
            let body = Data(try await RequestBody.bytes(request, limit: BodyLimit.message))
            let variant = try OperationAnswers.input { try OperationInput.variant(fromBody: body) }
            return try await answer(database) {
                try await ExperimentOperations(schema: schema).promote(name: name, variant: variant, on: $0).document
            }
        }
    }
}
