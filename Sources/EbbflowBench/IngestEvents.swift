// The benchmark's events, the same for both ways in: as /v1/batch and /v1/track bodies and as `events import` NDJSON.
import EbbflowCore
import Foundation

/// Event `i` is a pure function of the seed and `i`, so the HTTP bodies and the NDJSON file
/// carry exactly the same events without keeping a million of them in memory: a contact drawn
/// over all of them, a kind (50 % open, 30 % click, 20 % page_visit), a unique message id, and
/// a timestamp `i` milliseconds after `base` (in the past, so no event is refused as future).
struct IngestEvents: Sendable {
    let count: Int
    let contacts: Int
    let seed: UInt64
    let base: Date
    let idPrefix: String

    struct Event {
        var contact: Int
        var kind: String
        var messageId: String
        var timestamp: String
    }

    func event(_ index: Int) -> Event {
        var random = BenchRandom(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
        let contact = Int(random.next() % UInt64(contacts))
        let kind = Self.kind(random.next())
        return Event(
            contact: contact, kind: kind, messageId: "\(idPrefix)-\(index)",
            timestamp: ISO8601Text.string(base.addingTimeInterval(Double(index) / 1000), fractionalSeconds: true))
    }

    static func kind(_ draw: UInt64) -> String {
        switch draw % 10 {
        case 0..<5: "open"
        case 5..<8: "click"
        default: "page_visit"
        }
    }

    /// `{"batch":[{"type":"track",…}, …]}` for events `range`.
    func batchBody(_ range: Range<Int>) -> [UInt8] {
        var text = #"{"batch":["#
        text.reserveCapacity(range.count * 140)
        for index in range {
            let event = event(index)
            if index != range.lowerBound { text += "," }
            text +=
                #"{"type":"track","userId":"c-\#(event.contact)","event":"\#(event.kind)","#
                + #""messageId":"\#(event.messageId)","timestamp":"\#(event.timestamp)"}"#
        }
        text += "]}"
        return Array(text.utf8)
    }

    /// All the events as one NDJSON file for `events import`, same contacts, kinds, ids and times.
    func writeNDJSON(to file: URL) throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw BenchError("cannot create \(file.path)")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var chunk = ""
        for index in 0..<count {
            let event = event(index)
            chunk +=
                #"{"external_id":"c-\#(event.contact)","kind":"\#(event.kind)","occurred_at":"\#(event.timestamp)","#
                + #""provider_event_id":"\#(event.messageId)"}"# + "\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
    }
}

/// The single tracks of the latency phase: track `i` goes to contact `c-i` (wrapping past the
/// last contact), so while `i` is below the contact count each contact gets one event and its
/// new score after the 200 shows that this event, and no other, was applied.
struct TrackEvents: Sendable {
    let contacts: Int
    let base: Date
    let idPrefix: String

    func contact(_ index: Int) -> Int { index % contacts }
    func kind(_ index: Int) -> String { IngestEvents.kind(UInt64(index) &* 7 &+ 3) }
    func timestamp(_ index: Int) -> Date { base.addingTimeInterval(Double(index) / 1000) }

    func body(_ index: Int) -> [UInt8] {
        let when = ISO8601Text.string(timestamp(index), fractionalSeconds: true)
        return Array(
            #"{"userId":"c-\#(contact(index))","event":"\#(kind(index))","messageId":"\#(idPrefix)-\#(index)","timestamp":"\#(when)"}"#
                .utf8)
    }
}
