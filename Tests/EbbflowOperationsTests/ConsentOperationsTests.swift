// Suppress and unsuppress through the operations: messages, documents, and refusals as 404, 409 and 400.
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ConsentOperationsTests {
    @Test func suppressAndUnsuppressSayWhatTheyDid() async throws {
        try await MigratedSchema.with { database, schema in
            try await database.run { connection in
                let now = try DatabaseClock(schema: schema).now(on: connection)
                try EventStore(schema: schema).upsertContact(
                    externalID: "c-1", email: "c1@example.com", segment: "retail", now: now, on: connection)
            }
            let operations = ConsentOperations(schema: schema)
            let done = try await operations.suppress(externalID: "c-1", reason: "asked by phone", on: database)
            #expect(
                done.message
                    == "contact c-1 suppressed (was active): manual_suppression; its pending sends are cancelled")
            #expect(done.document["suppression_reason"] == "manual_suppression" && done.document["changed"] == true)
            let again = try await operations.suppress(externalID: "c-1", reason: "again", on: database)
            #expect(again.message == "contact c-1 already suppressed (manual_suppression): nothing changed")
            #expect(again.document["changed"] == false)
            let shown = try await ContactOperations(schema: schema).show(externalID: "c-1", on: database)
            #expect(shown.document["suppression_reason"] == "manual_suppression")
            #expect(shown.model.suppressionReason == "manual_suppression")

            let lifted = try await operations.unsuppress(externalID: "c-1", consentSource: "form", on: database)
            #expect(lifted.message == "contact c-1 unsuppressed (was suppressed for manual_suppression): active")
            #expect(lifted.document["lifted_reason"] == "manual_suppression")
            let after = try await ContactOperations(schema: schema).show(externalID: "c-1", on: database)
            #expect(after.document["suppression_reason"] == .null && after.document["campaign_status"] == "active")

            await #expect(
                throws: OperationError.conflict(
                    "contact \"c-1\" is not suppressed (it is active): nothing to unsuppress")
            ) { try await operations.unsuppress(externalID: "c-1", consentSource: "form", on: database) }
            await #expect(throws: OperationError.notFound("no contact with external id \"nobody\"")) {
                try await operations.suppress(externalID: "nobody", reason: "r", on: database)
            }
            do {
                try await operations.suppress(externalID: "c-1", reason: "", on: database)
                Issue.record("an empty reason was accepted")
            } catch let error as OperationError {
                #expect(error.field == "reason" && error.message == "reason must be 1 to 500 bytes (got 0)")
            }
            do {
                try await operations.unsuppress(externalID: "c-1", consentSource: "a\tb", on: database)
                Issue.record("a tab was accepted")
            } catch let error as OperationError {
                #expect(error.field == "consent_source", "\(error)")
            }
        }
    }

    @Test func theBodyIsOneKnownKeyWithAString() throws {
        #expect(
            try ConsentOperations.text(fromBody: Data(#"{"reason": "spam trap"}"#.utf8), key: "reason") == "spam trap")
        for (body, field) in [
            (#"{"reason": "x", "extra": 1}"#, "extra"), (#"{"reason": 5}"#, "reason"), ("[]", "reason"),
            ("not json", "reason"), (#"{}"#, "reason"), (#"{"consent_source": "x"}"#, "consent_source"),
        ] {
            #expect(throws: OperationError.self) {
                try ConsentOperations.text(fromBody: Data(body.utf8), key: "reason")
            }
            do {
                _ = try ConsentOperations.text(fromBody: Data(body.utf8), key: "reason")
            } catch {
                #expect(error.field == field, "\(body): \(error)")
            }
        }
    }
}
