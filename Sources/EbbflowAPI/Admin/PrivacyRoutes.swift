// The admin scope's privacy requests: POST /v1/contacts/{external_id}/export and /forget.
import EbbflowCore
import EbbflowEngine
import EbbflowHTTP
import EbbflowOperations
import Foundation
import Hummingbird

/// Both are POST: each writes an audit row, and an erasure changes the contact. The export's
/// answer is the document `ebbflow contacts export` prints, streamed as it is read.
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
            // First the contact and the audit row, so a 404 is a 404; then the document, streamed.
            return try await OperationAnswers.answering {
                let found = try await database.withConnection { connection in
                    try await PrivacyOperations(schema: schema).beginExport(
                        externalID: externalID, via: "api", on: connection)
                }
                return Response(
                    status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                    body: Self.streamed(found, schema: schema, database: database))
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

    /// The export's body: the engine writes the document on a pooled connection while the
    /// server sends it, waiting when the client reads slowly (`ChunkChannel`), so a long history
    /// never sits whole in memory. A failure midway cuts the connection: the client gets an
    /// incomplete body and an error, never a complete-looking document.
    static func streamed(_ found: ExportStart.Found, schema: SchemaName, database: APIDatabase) -> ResponseBody {
        ResponseBody { writer in
            let channel = ChunkChannel()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await database.withConnection { connection in
                            try await PrivacyOperations(schema: schema).writeExport(found, on: connection) { chunk in
                                try await channel.send(chunk)
                            }
                        }
                        channel.finish(nil)
                    } catch {
                        channel.finish(error)
                    }
                }
                do {
                    while let chunk = try await channel.next() {
                        try await writer.write(ByteBuffer(string: chunk))
                    }
                } catch {
                    // The client went away or the export failed: the producer stops too.
                    channel.close()
                    throw error
                }
                try await group.waitForAll()
            }
            try await writer.finish(nil)
        }
    }
}
