// contacts import against the real server: re-imports keep what the file does not name, statuses go through the state machine.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ContactImportTests {
    func contact(_ connection: PGConnection, _ schema: SchemaName, _ id: String) async throws -> PGRow {
        try await connection.query(
            """
            SELECT email, segment, campaign_status::text AS status, attributes::text AS attributes, engagement_score, reactivation_cycle
            FROM \(schema.quoted).contacts WHERE external_id = $1
            """, [id]
        ).first!
    }

    /// A file with only external_id and email once reset every segment to `default`.
    @Test func aColumnAbsentFromTheFileLeavesTheStoredValueAlone() async throws {
        try await MigratedSchema.with { connection, schema in
            let importer = ContactImporter(schema: schema)
            _ = try await importer.importContacts(
                "external_id,email,segment,first_name,engagement_score\nc-1,a@example.com,retail,Ann,12\n",
                format: .csv, on: connection)
            let report = try await importer.importContacts(
                "EXTERNAL_ID,Email\r\nc-1,b@example.com\r\n", format: .csv, on: connection)
            #expect(report.updated == 1 && report.inserted == 0 && report.rejected.isEmpty)
            let row = try await contact(connection, schema, "c-1")
            #expect(try row.decode("email", as: String.self) == "b@example.com")
            #expect(try row.decode("segment", as: String.self) == "retail")
            #expect(try row.decode("engagement_score", as: Double.self) == 12)
            #expect(try row.decode("attributes", as: String.self) == #"{"first_name": "Ann"}"#)
        }
    }

    /// `campaign_status=suppressed` on an existing contact once printed `updated 1` and changed
    /// nothing. Now it is a state machine change with its audit row, or a rejected line.
    @Test func aStatusInAnImportGoesThroughTheStateMachine() async throws {
        try await MigratedSchema.with { connection, schema in
            let importer = ContactImporter(schema: schema)
            _ = try await importer.importContacts("external_id\nc-1\nc-2\n", format: .csv, on: connection)
            let report = try await importer.importContacts(
                "external_id,campaign_status\nc-1,suppressed\nc-2,engaged\nc-3,engaged\n", format: .csv, on: connection)
            #expect(report.statusChanges == 1 && report.updated == 1 && report.inserted == 1)
            #expect(report.rejected.map(\.line) == [3])
            #expect(
                report.rejected.first?.reason.contains("active → engaged is not a change an import may make") == true,
                "\(report.rejected)")
            #expect(try await contact(connection, schema, "c-1").decode("status", as: String.self) == "suppressed")
            #expect(try await contact(connection, schema, "c-2").decode("status", as: String.self) == "active")
            #expect(
                try await contact(connection, schema, "c-3").decode("status", as: String.self) == "engaged",
                "a new contact starts where the file says")
            let back = try await importer.importContacts(
                #"{"External_Id": "c-1", "Campaign_Status": "active", "consent_source": "signup form"}"#,
                format: .ndjson,
                on: connection)
            #expect(back.statusChanges == 1 && back.rejected.isEmpty)
            let trail = try await connection.query(
                """
                SELECT from_status::text AS f, to_status::text AS t, reason FROM \(schema.quoted).transitions ORDER BY id
                """
            ).rows.map {
                "\(try $0.decode("f", as: String.self))>\(try $0.decode("t", as: String.self)):\(try $0.decode("reason", as: String.self))"
            }
            #expect(trail == ["active>suppressed:manual_suppression", "suppressed>active:manual_reinstatement"])
        }
    }

    /// Header names in any case; columns that are not contact fields become attributes, typed
    /// as NDJSON gives them, merged into what is stored.
    @Test func otherColumnsBecomeAttributes() async throws {
        try await MigratedSchema.with { connection, schema in
            let importer = ContactImporter(schema: schema)
            let csv =
                "External_ID,EMAIL,Birthday,Country,attributes\nc-1,a@example.com,1990-04-01,NZ,\"{\"\"tier\"\": \"\"gold\"\"}\"\n"
            let report = try await importer.importContacts(csv, format: .csv, on: connection)
            #expect(report.inserted == 1 && report.rejected.isEmpty, "\(report.rejected)")
            #expect(
                try await contact(connection, schema, "c-1").decode("attributes", as: String.self)
                    == #"{"tier": "gold", "country": "NZ", "birthday": "1990-04-01"}"#)
            _ = try await importer.importContacts(
                #"{"external_id": "c-1", "Visits": 3, "country": "AU"}"#, format: .ndjson, on: connection)
            #expect(
                try await contact(connection, schema, "c-1").decode("attributes", as: String.self)
                    == #"{"tier": "gold", "visits": 3, "country": "AU", "birthday": "1990-04-01"}"#)
        }
    }

    /// NaN, inf, 1e400, a cycle past its bound, a NUL or invalid UTF-8 reject their own line;
    /// they once failed the whole COPY or were stored and broke `contacts list --json`.
    @Test func badValuesRejectTheirLineOnly() async throws {
        try await MigratedSchema.with { connection, schema in
            var bytes = Array("external_id,engagement_score,reactivation_cycle,email\n".utf8)
            bytes +=
                Array("c-1,NaN,,\nc-2,inf,,\nc-3,1e400,,\nc-4,,99999999999,\nc-5,,,a".utf8) + [0]
                + Array("b\nc-6,,,".utf8) + [0xC0, 0xAF]
            bytes += Array("\nc-7,3.5,2,ok@example.com\nc-7,1,1,again@example.com\n".utf8)
            let report = try await ContactImporter(schema: schema).importContacts(
                from: .bytes(bytes), format: .csv, on: connection)
            #expect(report.inserted == 1 && report.read == 8)
            #expect(report.rejected.map(\.line) == [2, 3, 4, 5, 6, 7, 9], "\(report.rejected)")
            #expect(
                report.rejected.map(\.reason).prefix(4) == [
                    "engagement_score \"NaN\": must be a finite number",
                    "engagement_score \"inf\": must be a finite number",
                    "engagement_score \"1e400\": must be a finite number",
                    "reactivation_cycle \"99999999999\": must be between 0 and 1000",
                ])
            #expect(report.rejected.last?.reason == "external_id \"c-7\" appears twice in this file (first on line 8)")
            #expect(try await contact(connection, schema, "c-7").decode("engagement_score", as: Double.self) == 3.5)
        }
    }
}
