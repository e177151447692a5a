// A contact import whose connection is lost while committing: its outcome is unknown, not "changed nothing".
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ContactImportCommitLossTests {
    /// Every attempt loses its connection at COMMIT (a deferred trigger ends the backend as it
    /// commits). Once the retries ran out this said "the import failed and changed nothing",
    /// which a lost COMMIT cannot know; it now says the outcome is unknown and re-running is safe.
    @Test func aCommitLostOnEveryAttemptSaysTheOutcomeIsUnknown() async throws {
        try await MigratedSchema.with { connection, schema in
            try await connection.simpleQuery(
                """
                CREATE FUNCTION \(schema.quoted).end_backend() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
                CREATE CONSTRAINT TRIGGER end_at_commit AFTER INSERT ON \(schema.quoted).contacts
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION \(schema.quoted).end_backend();
                """)
            let importer = ContactImporter(schema: schema)
            await #expect {
                _ = try await importer.importContacts(
                    "external_id,email\nc-1,c1@example.com\n", format: .csv, on: connection)
            } throws: { error in
                let text = "\(error)"
                return text.contains(
                    "the import's outcome is unknown (the connection was lost while committing); re-running it is safe")
                    && !text.contains("changed nothing")
            }
            // A failure before COMMIT still says it changed nothing.
            try await connection.simpleQuery(
                "DROP TRIGGER end_at_commit ON \(schema.quoted).contacts; ALTER TABLE \(schema.quoted).contacts RENAME TO contacts_gone"
            )
            await #expect {
                _ = try await importer.importContacts(
                    "external_id,email\nc-1,c1@example.com\n", format: .csv, on: connection)
            } throws: { error in "\(error)".contains("the import failed and changed nothing") }
        }
    }
}
