// Identify messages applied once by messageId: each id recorded with its contact's upsert, repeats found.
import EbbflowCore
import Foundation
import PostgresClient

/// Why a table of its own (`ingest_identify_messages`): an event's messageId is its idempotency
/// key among the events, but an identify stores no event; re-applied, an old identify that a
/// client retried after a lost answer would write its traits over a newer identify's.
enum IdentifyMessages {
    /// Records the messageIds of `identifies` in the caller's transaction and says, for each,
    /// whether to apply it: yes without a messageId, or when its id was recorded here for the
    /// first time (neither stored before nor earlier in the list); a repeat is not applied.
    static func firstTimes(
        _ identifies: [(messageID: String?, externalID: String)], now: Date, schema: SchemaName,
        on connection: isolated PGConnection
    ) throws -> [Bool] {
        let identified = identifies.filter { $0.messageID != nil }
        guard !identified.isEmpty else { return identifies.map { _ in true } }
        var fresh = Set<String>()
        for row in try connection.query(
            IngestSQL(schema: schema).recordIdentifyMessages,
            [identified.map(\.messageID), identified.map(\.externalID), now]
        ).rows {
            fresh.insert(try row.decode("message_id"))
        }
        return identifies.map { identify in
            guard let id = identify.messageID else { return true }
            // The first of several with one id in this request takes it; the rest are repeats.
            return fresh.remove(id) != nil
        }
    }
}
