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

    /// Each good line is recorded and applied in its own transaction, so a bad line loses
    /// nothing else and nothing is ever half-applied.
    public func importEvents(_ text: String, format: InputFormat, on connection: PGConnection) async throws -> EventImportReport {
        let (records, unreadable) = RecordReader.read(text, format: format)
        var report = EventImportReport()
        report.read = records.count + unreadable.count
        report.rejected = unreadable
        let document = try await connection.run { [policies] in try policies.load(on: $0) }
        for record in records {
            let event: IncomingEvent
            do { event = try parse(record, policies: document) } catch let rejection as RejectedLine {
                report.rejected.append(rejection)
                continue
            }
            let outcome = try await connection.withTransaction { [store, applier] connection in
                let now = try store.now(on: connection)
                let recorded = try store.record(event, now: now, on: connection)
                if case .stored(let id) = recorded { _ = try applier.apply(eventID: id, policies: document, now: now, on: connection) }
                return recorded
            }
            switch outcome {
            case .stored: report.applied += 1
            case .duplicate: report.duplicates += 1
            case .unknownContact: report.unknownContacts.append(RejectedLine(line: record.line, reason: "no contact with external id \"\(event.externalID)\" (event kept)"))
            }
        }
        report.rejected.sort { $0.line < $1.line }
        return report
    }

    func parse(_ record: InputRecord, policies: PolicyDocument) throws -> IncomingEvent {
        func reject(_ reason: String) -> RejectedLine { RejectedLine(line: record.line, reason: reason) }
        guard let externalID = record.fields["external_id"], !externalID.isEmpty else { throw reject("external_id is missing") }
        guard let kind = record.fields["kind"], !kind.isEmpty else { throw reject("kind is missing") }
        let known = Set(policies.default.points.keys).union(policies.segments.values.flatMap { $0.points.keys })
        guard known.contains(kind) else { throw reject("unknown event kind \"\(kind)\" (the policy names \(known.sorted().joined(separator: ", ")))") }
        var occurredAt: Date?
        if let text = record.fields["occurred_at"] {
            guard let date = ISO8601Text.parse(text) else { throw reject("occurred_at \"\(text)\" is not an ISO 8601 time") }
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
