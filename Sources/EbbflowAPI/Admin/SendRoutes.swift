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
            let (id, ack) = try await Self.finishing(request, context) { try SendOperations.ackRequest(fromBody: $0) }
            return try await answer(database) {
                try await SendOperations(schema: schema).ack(
                    id: id, messageID: ack.messageID, leaseToken: ack.leaseToken, on: $0
                ).document
            }
        }
        group.post("sends/{id}/fail") { request, context in
            let (id, fail) = try await Self.finishing(request, context) { try SendOperations.failRequest(fromBody: $0) }
            return try await answer(database) {
                try await SendOperations(schema: schema).fail(
                    id: id, error: fail.error, permanent: fail.permanent, leaseToken: fail.leaseToken, on: $0
                ).document
            }
        }
    }

    /// What an ack or a fail is given, checked in one order for both: no query, a JSON body,
    /// the send's id from the path, then the body as `parse` reads it.
    static func finishing<Body>(
        _ request: Request, _ context: HTTPContext, parse: (Data) throws -> Body
    ) async throws -> (id: Int64, body: Body) {
        _ = try QueryParameters(request, known: [])
        _ = try MediaTypes.json.check(request)
        let text = try request.pathParameter("id", context)
        let id = try OperationAnswers.input { try SendOperations.id(text) }
        let body = Data(try await RequestBody.bytes(request, limit: BodyLimit.message))
        return (id, try OperationAnswers.input { try parse(body) })
    }
}
