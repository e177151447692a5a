// What the `links` subcommands share: EBBFLOW_PUBLIC_URL read once, one transaction on the database clock.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

enum LinkCommandSupport {
    /// EBBFLOW_PUBLIC_URL, or the one-line error that says how to set it.
    static func base() throws -> PublicBaseURL {
        do { return try PublicBaseURL.fromEnvironment() } catch { throw InputError(error.description) }
    }

    /// Runs `body` in one transaction with the database clock's now; a `LinkInputError` is the user's.
    static func transaction<T: Sendable>(
        _ connection: ConnectionOptions,
        _ body: @escaping @Sendable (Date, isolated PGConnection) throws -> T
    ) async throws -> T {
        let schema = try connection.schemaName
        let database = try await connection.connect()
        do {
            return try await database.withTransaction { connection in
                try body(try DatabaseClock(schema: schema).now(on: connection), connection)
            }
        } catch let error as LinkInputError {
            throw InputError(error.description)
        }
    }

    /// A send id: a positive whole number.
    static func sendID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else {
            throw InputError("SEND_ID must be a send's id, a positive whole number; got \"\(text.prefix(40))\"")
        }
        return id
    }
}
