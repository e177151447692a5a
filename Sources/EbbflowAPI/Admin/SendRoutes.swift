// The outbox's admin routes: lease due sends, ack or fail one, for a team's own sender over HTTP.
import EbbflowCore
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird

/// `POST /v1/sends/lease`, `POST /v1/sends/{id}/ack`, `POST /v1/sends/{id}/fail`: the CLI's
/// `sends lease|ack|fail`. Admin scope: a lease hands sends over, so a read key must not take them.
struct SendRoutes {
    let schema: SchemaName
    let database: APIDatabase

    func add(to group: RouterGroup<HTTPContext>) {
        let (schema, database) = (self.schema, self.database)
        group.post("sends/lease") { request, _ in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.json.check(request)
            let body = Data(try await RequestBody.bytes(request, limit: BodyLimit.message))
            let (limit, seconds) = try OperationAnswers.input { try SendOperations.leaseRequest(fromBody: body) }
            return try await answer(database) {
                try await SendOperations(schema: schema).lease(limit: limit, leaseSeconds: seconds, on: $0).document
            }
        }
        group.post("sends/{id}/ack") { request, context in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.json.check(request)
            let text = try request.pathParameter("id", context)
            let id = try OperationAnswers.input { try SendOperations.id(text) }
            let body = Data(try await RequestBody.bytes(request, limit: BodyLimit.message))
            let messageID = try OperationAnswers.input { try SendOperations.ackRequest(fromBody: body) }
            return try await answer(database) {
                try await SendOperations(schema: schema).ack(id: id, messageID: messageID, on: $0).document
            }
        }
        group.post("sends/{id}/fail") { request, context in
            _ = try QueryParameters(request, known: [])
            _ = try MediaTypes.json.check(request)
            let text = try request.pathParameter("id", context)
            let id = try OperationAnswers.input { try SendOperations.id(text) }
            let body = Data(try await RequestBody.bytes(request, limit: BodyLimit.message))
            let (error, permanent) = try OperationAnswers.input { try SendOperations.failRequest(fromBody: body) }
            return try await answer(database) {
                try await SendOperations(schema: schema).fail(id: id, error: error, permanent: permanent, on: $0)
                    .document
            }
        }
    }
}
