// One line of `events import`, decoded from a CSV record or an NDJSON object: each field's type and bounds stated once.
import EbbflowCore
import Foundation
import PostgresClient

extension CodingUserInfoKey {
    /// The event kinds the policy accepts (`Set<String>`), read once per import.
    static let acceptedEventKinds = CodingUserInfoKey(rawValue: "ebbflow.import.acceptedEventKinds")!
}

/// The fields of an `events import` line: external_id and kind required; occurred_at,
/// provider_event_id, source, machine_open, url, properties optional; other fields are
/// ignored. Every check here is about the line alone, so a bad value rejects its line and
/// never the file (the accepted kinds come from the decoder's `acceptedEventKinds`).
struct EventLine: Decodable {
    /// Texts that are indexed (unique keys) must fit a btree entry with room to spare.
    static let maxKeyBytes = 256

    var externalID: String
    var kind: String
    var occurredAt: Date?
    var providerEventID: String?
    var source: String?
    var machineOpen: Bool
    var url: String?
    var properties: PGJSON

    init(from decoder: any Decoder) throws {
        let fields = try ImportFields(decoder)
        externalID = try fields.required("external_id", maxBytes: Self.maxKeyBytes)
        source = try fields.text("source", maxBytes: Self.maxKeyBytes)
        providerEventID = try fields.text("provider_event_id", maxBytes: Self.maxKeyBytes)
        kind = try fields.required("kind")
        if let known = decoder.userInfo[.acceptedEventKinds] as? Set<String>, !known.contains(kind) {
            throw LineProblem("unknown event kind \"\(kind)\" (accepted: \(known.sorted().joined(separator: ", ")))")
        }
        occurredAt = try fields.time("occurred_at")
        machineOpen = try fields.flag("machine_open") ?? false
        url = fields.text("url")
        properties = PGJSON("{}")
        if let object = try fields.object("properties") {
            // Text given as text is stored as written; an NDJSON object is written back compactly.
            if case .text(let text)? = fields["properties"] {
                properties = PGJSON(text)
            } else {
                var text = ""
                JSONValue.object(object).write(to: &text)
                properties = PGJSON(text)
            }
        }
    }

    /// The event to record: `source` defaults to "import".
    var event: IncomingEvent {
        IncomingEvent(
            externalID: externalID, kind: kind, occurredAt: occurredAt, source: source ?? "import",
            providerEventID: providerEventID, machineOpen: machineOpen, url: url, properties: properties)
    }
}
