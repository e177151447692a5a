// An identify's traits as a contact import line: validated as one, and upserted with the contact import's SQL.
import EbbflowCore
import Foundation
import PostgresClient

/// Why through `ContactLine`: an identify is a contact import line with `userId` as its
/// external_id, so `email` and `segment` reach their columns with the import's checks and
/// every other trait (`timezone`, `birthday`, `plan`, …; the contacts table has no column for
/// them) is merged into the contact's attributes, key by key, as the import merges them.
/// Traits that would set what the engine itself keeps (status, score, cycle) are refused:
/// a customer data pipeline describes a person, it does not move them through the state machine.
enum IdentifyTraits {
    /// Contact fields an identify may not set, by the contact import's names.
    static let reserved: Set<String> = [
        ContactField.externalID.rawValue, ContactField.campaignStatus.rawValue, ContactField.engagementScore.rawValue,
        ContactField.lastEngagementAt.rawValue, ContactField.reactivationCycle.rawValue,
        ContactField.attributes.rawValue,
    ]

    /// The traits with keys as the contact import reads them (trimmed, lower case), checked as
    /// that import checks a line; the reason names the trait.
    static func validated(_ traits: [String: JSONValue], externalID: String) throws(MessageProblem)
        -> [String: JSONValue]
    {
        var normalized: [String: JSONValue] = [:]
        for (key, value) in traits where value != .null {
            let name = ImportFields.trimmed(key).lowercased()
            if reserved.contains(name) {
                throw MessageProblem(
                    "traits.\(key) is kept by ebbflow itself and cannot be set by identify", field: "traits.\(key)")
            }
            guard normalized.updateValue(value, forKey: name) == nil else {
                throw MessageProblem(
                    "the trait \"\(name)\" appears twice (traits match without regard to case)", field: "traits.\(key)")
            }
        }
        _ = try line(externalID: externalID, traits: normalized)
        return normalized
    }

    /// The traits as a contact import line.
    static func line(externalID: String, traits: [String: JSONValue]) throws(MessageProblem) -> ContactLine {
        var object = traits
        object[ContactField.externalID.rawValue] = .string(externalID)
        var text = ""
        JSONValue.object(object).write(to: &text)
        let decoder = JSONDecoder()
        decoder.userInfo = [.importJSON: true]
        do {
            return try decoder.decode(ContactLine.self, from: Data(text.utf8))
        } catch let problem as LineProblem {
            throw MessageProblem("traits: \(problem.reason)", field: "traits")
        } catch {
            throw MessageProblem("traits cannot be read as a contact: \(error)", field: "traits")
        }
    }

    /// Identifies of one transaction, one line a contact: a later message's traits win over an
    /// earlier one's, key by key (the contact import refuses one external id twice in a file).
    static func merged(_ identifies: [(externalID: String, traits: [String: JSONValue])]) -> [(
        externalID: String, traits: [String: JSONValue]
    )] {
        var order: [String] = []
        var traits: [String: [String: JSONValue]] = [:]
        for identify in identifies {
            if traits[identify.externalID] == nil { order.append(identify.externalID) }
            traits[identify.externalID, default: [:]].merge(identify.traits) { $1 }
        }
        return order.map { ($0, traits[$0]!) }
    }

    /// Creates or updates the contacts of `identifies` in the caller's transaction, through the
    /// contact import's staging table and statements (`ContactImportSQL`): given fields replace
    /// stored ones, attributes merge, a new contact takes the defaults. Called at most once a
    /// transaction: the staging table is dropped at COMMIT. Returns the external ids refused,
    /// with the reason: a forgotten person identified without a `consent_source` trait, or a
    /// forgotten contact's tombstone (as the contact import refuses them); what the request
    /// stored about them (their identify messages) is removed in the same transaction.
    @discardableResult
    static func upsert(
        _ identifies: [(externalID: String, traits: [String: JSONValue])], schema: SchemaName,
        on connection: isolated PGConnection
    ) throws -> [String: String] {
        let merged = merged(identifies)
        guard !merged.isEmpty else { return [:] }
        var rows: [ContactRow] = []
        for (index, identify) in merged.enumerated() {
            // Each message was validated alone; merged traits of valid messages are valid too,
            // but a refusal here must still be a typed one, never a trap.
            do throws(MessageProblem) {
                rows.append(try line(externalID: identify.externalID, traits: identify.traits).row(line: index + 1))
            } catch {
                throw IngestError.malformed(reason: error.reason, field: error.field)
            }
        }
        let sql = ContactImportSQL(schema: schema)
        try connection.simpleQuery(sql.createStaging)
        _ = try connection.copyIn(sql.copyStaging) { writer in
            for row in rows { try writer.appendRow(row.values) }
        }
        var refused: [String: String] = [:]
        let tombstones = merged.contains { $0.externalID.hasPrefix(ForgottenPeople.tombstonePrefix) }
        for rejected in try sql.rejectForgottenLines(tombstones: tombstones, on: connection) {
            refused[merged[rejected.line - 1].externalID] = rejected.reason
        }
        if !refused.isEmpty {
            try connection.execute(
                "DELETE FROM \(schema.qualified("ingest_identify_messages")) WHERE external_id = ANY($1::text[])",
                [Array(refused.keys)])
        }
        _ = try connection.query(sql.updateExisting)
        _ = try connection.query(sql.insertNew)
        if merged.contains(where: { $0.traits[ContactField.consentSource.rawValue] != nil }) {
            _ = try sql.readd(via: "identify", on: connection)
        }
        return refused
    }
}
