// An administrator's suppress locks its contact as the applier does: it does not queue behind an ingest in flight.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ConsentLockTests {
    /// Another transaction holds the KEY SHARE lock an event insert takes on its contact (the
    /// foreign key check) and has not committed: `suppress` still goes through at once
    /// (NO KEY UPDATE does not conflict with KEY SHARE; FOR UPDATE would wait, here until the
    /// lock timeout refuses it).
    @Test(.timeLimit(.minutes(5))) func suppressDoesNotWaitOnAnIngestInFlight() async throws {
        try await ConsentHarness.with(contacts: ["a"]) { h in
            let ingest = try await TestDatabase.connect()
            try await ingest.simpleQuery("BEGIN")
            try await ingest.query(
                "SELECT id FROM \(h.schema.quoted).contacts WHERE external_id = $1 FOR KEY SHARE", ["a"])
            let outcome = try await h.connection.withTransaction { [schema = h.schema] connection in
                try connection.execute("SET LOCAL lock_timeout = '3s'")
                return try ContactConsent(schema: schema).suppress(
                    externalID: "a", reason: "asked by phone", on: connection)
            }
            try await ingest.simpleQuery("COMMIT")
            await ingest.close()
            #expect(outcome == .suppressed(from: .active))
            #expect(try await h.state("a") == ("suppressed", "manual_suppression"))
        }
    }
}
