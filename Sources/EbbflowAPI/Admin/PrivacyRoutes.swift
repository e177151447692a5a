// The admin scope's privacy requests: POST /v1/contacts/{external_id}/export and /forget.
import EbbflowCore
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird
import Synchronization

/// Both are POST: each writes an audit row, and an erasure changes the contact. The export's
/// answer is the document `ebbflow contacts export` prints, byte for byte.
struct PrivacyRoutes {
    let schema: SchemaName
    let database: APIDatabase

    func add(to group: RouterGroup<HTTPContext>) {
        let (schema, database) = (self.schema, self.database)
        group.post("contacts/{external_id}/export") { request, context in
            _ = try QueryParameters(request, known: [])
            let externalID = try OperationAnswers.input {
                try PrivacyOperations.externalID(try request.pathParameter("external_id", context))
            }
            return try await OperationAnswers.answering {
                // The engine writes the document in chunks on the connection's thread; here they
                // are gathered into the answer's buffer (one contact's data, sent once known whole,
                // so a failure midway is an error answer, never half a document with a 200).
                let collected = Mutex(ByteBuffer())
                try await database.withConnection { connection in
                    try await PrivacyOperations(schema: schema).export(
                        externalID: externalID, via: "api", on: connection
                    ) { text in
                        collected.withLock { _ = $0.writeString(text) }
                    }
                }
                return Response(
                    status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                    body: ResponseBody(byteBuffer: collected.withLock { $0 }))
            }
        }
        group.post("contacts/{external_id}/forget") { request, context in
            _ = try QueryParameters(request, known: [])
            let externalID = try OperationAnswers.input {
                try PrivacyOperations.externalID(try request.pathParameter("external_id", context))
            }
            return try await answer(database) {
                try await PrivacyOperations(schema: schema).forget(externalID: externalID, via: "api", on: $0).document
            }
        }
    }
}
