// Whether an email or external id is a forgotten person's: for the ways in that store what they receive.
import EbbflowCore
import Foundation
import PostgresClient

/// Why public: a provider webhook that matches no send and no contact keeps the event as
/// unmatched, with the address it names; for a forgotten person's address it must not. Imports,
/// identifies and events check through `ContactImportSQL` and sql/engine/0024's trigger; any
/// other writer asks here, in its own transaction, before it stores an address or id.
public struct ForgottenLookup: Sendable {
    let sql: PrivacySQL

    public init(schema: SchemaName) { sql = PrivacySQL(schema: schema) }

    /// True when the email (trimmed and lower-cased here) or the external id has a digest in
    /// `forgotten_digests`. Either may be nil.
    public func isForgotten(email: String?, externalID: String?, on connection: isolated PGConnection) throws -> Bool {
        let values = [email.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }, externalID].compactMap { $0 }
        for value in values where !value.isEmpty {
            if try connection.query(sql.isForgotten, [value]).first!.decode("forgotten", as: Bool.self) { return true }
        }
        return false
    }
}
