// Turns one import record into an engagement event, or a rejection naming the line and the reason.
import EbbflowCore
import Foundation
import PostgresClient

/// The fields of an `events import` line: external_id and kind required; occurred_at,
/// provider_event_id, source, machine_open, url, properties optional. Every check here is about
/// the line alone, so a bad value rejects its line and never the file.
struct EventLineParser: Sendable {
    /// Texts that are indexed (unique keys) must fit a btree entry with room to spare.
    static let maxKeyBytes = 256

    func parse(_ record: InputRecord, knownKinds known: Set<String>) throws(RejectedLine) -> IncomingEvent {
        func reject(_ reason: String) -> RejectedLine { RejectedLine(line: record.line, reason: reason) }
        let fields = record.fields
        guard let externalID = fields["external_id"], !externalID.isEmpty else { throw reject("external_id is missing") }
        for name in ["external_id", "source", "provider_event_id"] {
            if let value = fields[name], value.utf8.count > Self.maxKeyBytes {
                throw reject("\(name) is \(value.utf8.count) bytes long, at most \(Self.maxKeyBytes) are accepted")
            }
        }
        guard let kind = fields["kind"], !kind.isEmpty else { throw reject("kind is missing") }
        guard known.contains(kind) else { throw reject("unknown event kind \"\(kind)\" (accepted: \(known.sorted().joined(separator: ", ")))") }
        var occurredAt: Date?
        if let text = fields["occurred_at"] {
            guard let date = ISO8601Text.parse(text) else { throw reject("occurred_at \"\(text)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z") }
            occurredAt = date
        }
        var machineOpen = false
        if let text = fields["machine_open"] {
            guard let value = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                throw reject("machine_open \"\(text)\" is not true or false")
            }
            machineOpen = value
        }
        var properties = PGJSON("{}")
        if let text = fields["properties"] {
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any] else { throw reject("properties is not a JSON object") }
            properties = PGJSON(text)
        }
        return IncomingEvent(externalID: externalID, kind: kind, occurredAt: occurredAt, source: fields["source"] ?? "import",
                             providerEventID: fields["provider_event_id"], machineOpen: machineOpen, url: fields["url"],
                             properties: properties)
    }
}
