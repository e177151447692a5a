// GET routes of the read scope: contacts, audience, jobs, queues, sends, schedules, streams, templates and experiments, as the CLI's --json shows them.
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird
import PostgresClient

/// Each route is one shared operation on a pooled connection; what it answers is the document
/// the matching CLI command prints with `--json` (the lists of contacts and jobs in keyset
/// pages, `{"contacts"|"jobs": [...], "next_cursor": ...}`).
struct ReadRoutes {
    let schema: SchemaName
    let database: APIDatabase

    func add(to group: RouterGroup<HTTPContext>) {
        let (schema, database) = (self.schema, self.database)
        group.get("contacts/{external_id}") { request, context in
            _ = try QueryParameters(request, known: [])
            let id = try request.pathParameter("external_id", context)
            return try await answer(database) {
                try await ContactOperations(schema: schema).show(externalID: id, on: $0).document
            }
        }
        group.get("contacts") { request, _ in
            let query = try QueryParameters(request, known: ["status", "segment", "cursor", "limit"])
            let limit = try OperationAnswers.input { try OperationInput.integer(query["limit"], field: "limit") }
            return try await answer(database) {
                try await ContactOperations(schema: schema).list(
                    status: query["status"], segment: query["segment"], cursor: query["cursor"], limit: limit, on: $0
                ).document
            }
        }
        group.get("audience") { request, _ in
            let query = try QueryParameters(request, known: ["segment"])
            return try await answer(database) {
                try await AudienceOperations(schema: schema).now(segment: query["segment"], on: $0).document
            }
        }
        group.get("audience/history") { request, _ in
            let query = try QueryParameters(request, known: ["days", "segment"])
            let days = try OperationAnswers.input { try OperationInput.integer(query["days"], field: "days") }
            return try await answer(database) {
                try await AudienceOperations(schema: schema).history(days: days, segment: query["segment"], on: $0)
                    .document
            }
        }
        group.get("jobs") { request, _ in
            let query = try QueryParameters(request, known: ["state", "queue", "kind", "cursor", "limit"])
            let limit = try OperationAnswers.input { try OperationInput.integer(query["limit"], field: "limit") }
            return try await answer(database) {
                try await JobOperations(schema: schema).list(
                    state: query["state"], queue: query["queue"], kind: query["kind"], cursor: query["cursor"],
                    limit: limit,
                    on: $0
                ).document
            }
        }
        group.get("jobs/{id}") { request, context in
            _ = try QueryParameters(request, known: [])
            let text = try request.pathParameter("id", context)
            let id = try OperationAnswers.input { try JobOperations.id(text) }
            return try await answer(database) { try await JobOperations(schema: schema).show(id: id, on: $0).document }
        }
        group.get("sends") { request, _ in
            let query = try QueryParameters(request, known: ["state", "after", "limit"])
            let limit = try OperationAnswers.input { try OperationInput.integer(query["limit"], field: "limit") }
            let after = try OperationAnswers.input { try OperationInput.integer(query["after"], field: "after") }
            return try await answer(database) {
                try await SendOperations(schema: schema).list(
                    state: query["state"], after: after.map(Int64.init), limit: limit, on: $0
                ).document
            }
        }
        group.get("schedules") { request, _ in
            _ = try QueryParameters(request, known: [])
            return try await answer(database) { try await ScheduleOperations(schema: schema).list(on: $0).document }
        }
        group.get("queues") { request, _ in
            _ = try QueryParameters(request, known: [])
            return try await answer(database) { try await QueueOperations(schema: schema).list(on: $0).document }
        }
        group.get("streams") { request, _ in
            _ = try QueryParameters(request, known: [])
            return try await answer(database) { try await StreamOperations(schema: schema).list(on: $0).document }
        }
        group.get("streams/{name}") { request, context in
            _ = try QueryParameters(request, known: [])
            let name = try request.pathParameter("name", context)
            return try await answer(database) {
                try await StreamOperations(schema: schema).show(name: name, on: $0).document
            }
        }
        group.get("templates") { request, _ in
            _ = try QueryParameters(request, known: [])
            return try await answer(database) { try await TemplateOperations(schema: schema).list(on: $0).document }
        }
        group.get("templates/{name}") { request, context in
            let query = try QueryParameters(request, known: ["version"])
            let name = try request.pathParameter("name", context)
            let version = try OperationAnswers.input { try OperationInput.integer(query["version"], field: "version") }
            return try await answer(database) {
                try await TemplateOperations(schema: schema).show(name: name, version: version, on: $0).document
            }
        }
        // A read: nothing is written (no send, so no tracked link; no link key is made).
        group.get("templates/{name}/preview") { request, context in
            let query = try QueryParameters(request, known: ["contact", "version", "format"])
            let name = try request.pathParameter("name", context)
            let version = try OperationAnswers.input { try OperationInput.integer(query["version"], field: "version") }
            guard let contact = query["contact"] else {
                throw APIError(.badRequest, "contact: the contact's external id is required", field: "contact")
            }
            let publicURL = ProcessInfo.processInfo.environment[PublicBaseURL.environmentVariable]
            return try await answer(database) {
                try await TemplateOperations(schema: schema).preview(
                    name: name, version: version, externalID: contact, format: query["format"] ?? "html",
                    publicBaseURL: publicURL, on: $0
                ).document
            }
        }
        group.get("experiments") { request, _ in
            _ = try QueryParameters(request, known: [])
            return try await answer(database) { try await ExperimentOperations(schema: schema).list(on: $0).document }
        }
        group.get("experiments/{name}") { request, context in
            _ = try QueryParameters(request, known: [])
            let name = try request.pathParameter("name", context)
            return try await answer(database) {
                try await ExperimentOperations(schema: schema).show(name: name, on: $0).document
            }
        }
    }
}

/// Runs one operation on a pooled connection and answers its document, or its refusal.
func answer(_ database: APIDatabase, _ operation: @escaping @Sendable (PGConnection) async throws -> JSONDocument)
    async throws -> Response
{
    try await OperationAnswers.answering {
        try OperationAnswers.json(try await database.withConnection(operation))
    }
}
