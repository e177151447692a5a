// Imports engagement events: each good line recorded and applied in one transaction, bad lines reported.
import EbbflowCore
import Foundation
import PostgresClient

/// What an import did, line by line where it matters.
public struct EventImportReport: Sendable {
    public var read = 0
    public var applied = 0
    public var duplicates = 0
    /// Kept, but no contact has their external id.
    public var unknownContacts: [RejectedLine] = []
    public var rejected: [RejectedLine] = []
}

public struct EventImporter: Sendable {
    let store: EventStore
    let applier: EventApplier
    let policies: PolicyStore

    public init(schema: SchemaName) {
        store = EventStore(schema: schema)
        applier = EventApplier(schema: schema)
        policies = PolicyStore(schema: schema)
    }

    /// Good lines are recorded and applied in batches of `batchSize`, each batch one
    /// transaction (one insert, one set-based application). Should a batch fail on the server,
    /// its lines are retried one transaction each, so one bad line loses nothing else and
    /// nothing is ever half-applied.
    ///
    /// `inEachBatch` runs first in every batch's transaction, so what it writes commits with
    /// that batch's events: the simulator moves its clock this way, so that no worker sees the
    /// new time before the events that happened before it have arrived. It must be idempotent
    /// (a failed batch is retried line by line, running it again for each line).
    public func importEvents(_ text: String, format: InputFormat, batchSize: Int = 1_000,
                             inEachBatch: (@Sendable (isolated PGConnection) throws -> Void)? = nil,
                             on connection: PGConnection) async throws -> EventImportReport {
        let (records, unreadable) = RecordReader.read(text, format: format)
        var report = EventImportReport()
        report.read = records.count + unreadable.count
        report.rejected = unreadable
        let document = try await connection.run { [policies] in try policies.load(on: $0) }
        // The accepted kinds, once per import rather than once per line.
        let known = document.acceptedEventKinds
        var good: [(line: Int, event: IncomingEvent)] = []
        for record in records {
            do { good.append((record.line, try parse(record, knownKinds: known))) } catch let rejection as RejectedLine {
                report.rejected.append(rejection)
            }
        }
        var start = 0
        while start < good.count {
            let batch = Array(good[start..<min(start + max(1, batchSize), good.count)])
            start += batch.count
            do {
                try await importBatch(batch, policies: document, prelude: inEachBatch, into: &report, on: connection)
            } catch let error as PGError where batch.count > 1 && error.isLineData && inEachBatch == nil {
                // Line by line would commit `inEachBatch` with the first line alone, ahead of the
                // rest of its batch; with it, the batch's failure is the caller's to see.
                for item in batch {
                    do { try await importBatch([item], policies: document, prelude: nil, into: &report, on: connection) } catch let error as PGError where error.isLineData {
                        report.rejected.append(RejectedLine(line: item.line, reason: "the database refused it: \(error.message)"))
                    }
                }
            }
        }
        report.rejected.sort { $0.line < $1.line }
        report.unknownContacts.sort { $0.line < $1.line }
        return report
    }

    /// One transaction: insert the batch, apply what was stored for known contacts, and count.
    private func importBatch(_ batch: [(line: Int, event: IncomingEvent)], policies document: PolicyDocument,
                             prelude: (@Sendable (isolated PGConnection) throws -> Void)?,
                             into report: inout EventImportReport, on connection: PGConnection) async throws {
        let events = batch.map(\.event)
        let (stored, appliedCount) = try await connection.withTransaction { [store, applier] connection in
            try prelude?(connection)
            let now = try store.now(on: connection)
            let stored = try store.record(events, now: now, on: connection)
            let known = stored.filter { $0.contactID != nil }.map(\.id)
            let applied = try applier.apply(eventIDs: known, policies: document, now: now, on: connection)
            return (stored, applied.count)
        }
        // Attribute the outcome to lines: the first line of a provider id that was stored is the
        // stored one, any other line with that id is a duplicate.
        var storedKeys = Set(stored.compactMap { row in row.providerEventID.map { "\(row.source)\u{0}\($0)" } })
        let unknownExternalIDs = Set(stored.filter { $0.contactID == nil }.map(\.externalID))
        for item in batch {
            if let id = item.event.providerEventID {
                guard storedKeys.remove("\(item.event.source)\u{0}\(id)") != nil else {
                    report.duplicates += 1
                    continue
                }
            }
            if unknownExternalIDs.contains(item.event.externalID) {
                report.unknownContacts.append(RejectedLine(line: item.line, reason: "no contact with external id \"\(item.event.externalID)\" (event kept)"))
            }
        }
        report.applied += appliedCount
    }

    func parse(_ record: InputRecord, knownKinds known: Set<String>) throws -> IncomingEvent {
        func reject(_ reason: String) -> RejectedLine { RejectedLine(line: record.line, reason: reason) }
        guard let externalID = record.fields["external_id"], !externalID.isEmpty else { throw reject("external_id is missing") }
        guard let kind = record.fields["kind"], !kind.isEmpty else { throw reject("kind is missing") }
        guard known.contains(kind) else { throw reject("unknown event kind \"\(kind)\" (accepted: \(known.sorted().joined(separator: ", ")))") }
        var occurredAt: Date?
        if let text = record.fields["occurred_at"] {
            guard let date = ISO8601Text.parse(text) else { throw reject("occurred_at \"\(text)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z") }
            occurredAt = date
        }
        var machineOpen = false
        if let text = record.fields["machine_open"] {
            guard let value = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                throw reject("machine_open \"\(text)\" is not true or false")
            }
            machineOpen = value
        }
        var properties = PGJSON("{}")
        if let text = record.fields["properties"] {
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any] else { throw reject("properties is not a JSON object") }
            properties = PGJSON(text)
        }
        return IncomingEvent(externalID: externalID, kind: kind, occurredAt: occurredAt, source: record.fields["source"] ?? "import",
                             providerEventID: record.fields["provider_event_id"], machineOpen: machineOpen, url: record.fields["url"],
                             properties: properties)
    }
}

extension RejectedLine: Error {}

extension PGError {
    /// A refusal caused by a line's own data: the server refused it, or a value of it cannot be
    /// bound at all (text with a NUL byte is refused by the client before it is sent).
    fileprivate var isLineData: Bool { kind == .server || kind == .encoding }
}
