// Imports contacts as a stream: good lines COPYed and upserted set-based in one transaction, bad lines reported.
import EbbflowCore
import Foundation
import PostgresClient

public struct ContactImportReport: Sendable {
    /// Lines read (records and rejected lines; blank lines are not counted).
    public var read = 0
    public var inserted = 0
    public var updated = 0
    /// Existing contacts whose status the import changed (each with its transition row).
    public var statusChanges = 0
    /// Forgotten people re-added by a line with a consent source (each with its audit row).
    public var readded = 0
    public var rejectedLines = ListedLines()
    public var rejected: [RejectedLine] { rejectedLines.lines }
}

public struct ContactImporter: Sendable {
    let sql: ContactImportSQL

    public init(schema: SchemaName) { sql = ContactImportSQL(schema: schema) }

    /// `text` in memory (tests): see `importContacts(from:)`.
    public func importContacts(_ text: String, format: InputFormat, on connection: PGConnection) async throws
        -> ContactImportReport
    {
        try await importContacts(from: .text(text), format: format, on: connection)
    }

    /// Reads `source` as a stream, COPYing each good line into a temporary table as it is read
    /// (memory stays bounded whatever the file's size), then applies them set-based, all in one
    /// transaction: the good lines land together, bad ones are listed. On an existing contact,
    /// a field absent from the file (or empty) leaves the stored value alone, and a
    /// `campaign_status` goes through the state machine with its transition row, or the line
    /// is rejected with the reason. A transient database error retries the whole transaction
    /// (the file is read again); any other stops the import with `ImportStopped`.
    public func importContacts(from source: ImportSource, format: InputFormat, on connection: PGConnection) async throws
        -> ContactImportReport
    {
        let sql = self.sql
        return try await connection.run { connection in
            // Whether an attempt lost its connection while committing: that attempt may have
            // committed, so a later failure must not claim the import changed nothing.
            var commitLost = false
            do {
                return try await TransientRetry.run {
                    do {
                        return try await connection.withTransaction { connection in
                            var report = ContactImportReport()
                            var consentLines = 0
                            var tombstoneLines = 0
                            try connection.simpleQuery(sql.createStaging)
                            try connection.copyIn(sql.copyStaging) { writer in
                                let lines = try RecordReader.lines(source, format: format, as: ContactLine.self)
                                while let item = try lines.next() {
                                    report.read += 1
                                    switch item {
                                    case .rejected(let rejection): report.rejectedLines.append(rejection)
                                    case .line(let line, let contact):
                                        if contact.consentSource != nil { consentLines += 1 }
                                        if contact.externalID.hasPrefix(ForgottenPeople.tombstonePrefix) {
                                            tombstoneLines += 1
                                        }
                                        try writer.appendRow(contact.row(line: line).values)
                                    }
                                }
                            }
                            // The planner knows nothing of a fresh temporary table; a sampled ANALYZE is cheap.
                            try connection.simpleQuery("ANALYZE contact_import")
                            for row in try connection.query(sql.rejectRepeatedIDs).rows {
                                report.rejectedLines.append(
                                    RejectedLine(
                                        line: try row.decode("line"),
                                        reason:
                                            """
                                            external_id \"\(try row.decode("external_id", as: String.self))\" appears twice \
                                            in this file (first on line \(try row.decode("first", as: Int.self)))
                                            """
                                    ))
                            }
                            for line in try sql.rejectForgottenLines(tombstones: tombstoneLines > 0, on: connection) {
                                report.rejectedLines.append(line)
                            }
                            for line in try sql.rejectStatusChanges(on: connection) {
                                report.rejectedLines.append(line)
                            }
                            let updated = try connection.query(sql.updateExisting).first!
                            report.updated = try updated.decode("updated")
                            report.statusChanges = try updated.decode("changed")
                            let inserted = try connection.query(sql.insertNew).first!
                            report.inserted = try inserted.decode("inserted")
                            report.updated += try inserted.decode("updated")
                            if consentLines > 0 {
                                report.readded = try sql.readd(via: "import", on: connection)
                            }
                            report.rejectedLines.sort()
                            return report
                        }
                    } catch let error as PGError where error.commitOutcomeUnknown {
                        commitLost = true
                        throw error
                    }
                }
            } catch let error as ImportError {
                throw error
            } catch {
                throw ImportStopped(line: 0, committedLines: 0, reason: "\(error)", outcomeUnknown: commitLost)
            }
        }
    }
}
