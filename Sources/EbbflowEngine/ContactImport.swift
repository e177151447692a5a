// Imports contacts: good lines upserted by external id through COPY and one set-based statement.
import EbbflowCore
import Foundation
import PostgresClient

public struct ContactImportReport: Sendable {
    public var read = 0
    public var inserted = 0
    public var updated = 0
    public var rejected: [RejectedLine] = []
}

public struct ContactImporter: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Validates every line, COPYs the good ones into a temporary table, then upserts them in
    /// one statement, all in one transaction: the good lines land together, bad ones are listed.
    public func importContacts(_ text: String, format: InputFormat, on connection: PGConnection) async throws -> ContactImportReport {
        let (records, unreadable) = RecordReader.read(text, format: format)
        var report = ContactImportReport(read: records.count + unreadable.count, rejected: unreadable)
        var rows: [[String?]] = []
        var seen = Set<String>()
        for record in records {
            switch validate(record) {
            case .failure(let rejection): report.rejected.append(rejection)
            case .success(let row):
                if !seen.insert(row[0]!).inserted {
                    report.rejected.append(RejectedLine(line: record.line, reason: "external_id \"\(row[0]!)\" appears twice in this file"))
                    continue
                }
                rows.append(row)
            }
        }
        report.rejected.sort { $0.line < $1.line }
        guard !rows.isEmpty else { return report }
        let (schema, rowsToLoad) = (self.schema, rows)
        let counts = try await connection.withTransaction { connection in
            try connection.simpleQuery("""
                CREATE TEMP TABLE contact_import (external_id text, email text, segment text, campaign_status text,
                    engagement_score float8, last_engagement_at timestamptz, reactivation_cycle int, attributes jsonb) ON COMMIT DROP
                """)
            try connection.copyIn("COPY contact_import FROM STDIN") { writer in
                for row in rowsToLoad { try writer.appendRow(row) }
            }
            let row = try connection.query("""
                WITH t AS (SELECT \(schema.qualified("clock_now"))() AS now),
                upserted AS (
                    INSERT INTO \(schema.qualified("contacts")) AS c (external_id, email, segment, campaign_status, engagement_score,
                        last_engagement_at, reactivation_cycle, attributes, status_changed_at, created_at)
                    SELECT i.external_id, i.email, coalesce(i.segment, 'default'),
                           coalesce(i.campaign_status, 'active')::\(schema.qualified("campaign_status")),
                           coalesce(i.engagement_score, 0), i.last_engagement_at, coalesce(i.reactivation_cycle, 0),
                           coalesce(i.attributes, '{}'), t.now, t.now
                    FROM contact_import i, t
                    ON CONFLICT (external_id) DO UPDATE SET email = coalesce(excluded.email, c.email),
                        segment = excluded.segment, attributes = c.attributes || excluded.attributes
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM upserted
                """).first!
            return (try row.decode("inserted", as: Int.self), try row.decode("updated", as: Int.self))
        }
        report.inserted = counts.0
        report.updated = counts.1
        return report
    }

    /// external_id, email, segment, campaign_status, engagement_score, last_engagement_at, reactivation_cycle, attributes.
    func validate(_ record: InputRecord) -> Result<[String?], RejectedLine> {
        func reject(_ reason: String) -> Result<[String?], RejectedLine> { .failure(RejectedLine(line: record.line, reason: reason)) }
        let fields = record.fields
        guard let externalID = fields["external_id"], !externalID.isEmpty else { return reject("external_id is missing") }
        if let status = fields["campaign_status"], CampaignStatus(rawValue: status) == nil {
            return reject("campaign_status \"\(status)\" is not one of \(CampaignStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let score = fields["engagement_score"], (Double(score) ?? -1) < 0 { return reject("engagement_score \"\(score)\" is not a number ≥ 0") }
        if let date = fields["last_engagement_at"], ISO8601Text.parse(date) == nil { return reject("last_engagement_at \"\(date)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z") }
        if let cycle = fields["reactivation_cycle"], (Int(cycle) ?? -1) < 0 { return reject("reactivation_cycle \"\(cycle)\" is not a whole number ≥ 0") }
        if let attributes = fields["attributes"], !((try? JSONSerialization.jsonObject(with: Data(attributes.utf8))) is [String: Any]) {
            return reject("attributes is not a JSON object")
        }
        return .success([externalID, fields["email"], fields["segment"], fields["campaign_status"], fields["engagement_score"],
                         fields["last_engagement_at"], fields["reactivation_cycle"], fields["attributes"]])
    }
}
