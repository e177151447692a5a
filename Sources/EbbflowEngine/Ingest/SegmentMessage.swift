// One Segment message (track, identify or page) decoded strictly into what ingest does with it.
import EbbflowCore
import Foundation
import PostgresClient

/// What one accepted message asks for.
enum IngestAction: Sendable {
    /// Record and apply an event. For a page, `event.kind` is chosen in the transaction, once the
    /// contact's segment (and so its policy's `high_intent_pages`) is known; `event.url` is the page.
    case event(IncomingEvent, timing: SegmentTiming, isPage: Bool)
    /// Create or update the contact `externalID` with these traits (keys as the contact import
    /// reads them: trimmed, lower case), validated already.
    case identify(externalID: String, traits: [String: JSONValue])
}

/// A message of Segment's HTTP tracking API, read as the spec writes it: `userId` is the
/// contact's external id, `messageId` its idempotency key (the event's provider id under
/// source "segment"), `timestamp` when it happened (see `SegmentTiming`). The spec's common
/// fields and RudderStack's usual extras are accepted, `context` and `integrations` read no
/// further than `context.page.url`; any other key is refused by name, so a misspelt `userID`
/// never becomes an event without its contact.
enum SegmentMessage {
    enum Kind: String, CaseIterable {
        case track, identify, page
    }

    /// The source the events of Segment messages are recorded under.
    static let source = "segment"

    /// Keys every message may carry: Segment's common fields, what its libraries add
    /// (`_metadata`, `writeKey`), and RudderStack's (`rudderId`, `request_ip`, `channel`).
    static let commonKeys: Set<String> = [
        "type", "userId", "anonymousId", "messageId", "timestamp", "originalTimestamp", "sentAt", "receivedAt",
        "context", "integrations", "version", "channel", "_metadata", "writeKey", "rudderId", "request_ip",
    ]

    static func keys(of kind: Kind) -> Set<String> {
        switch kind {
        case .track: commonKeys.union(["event", "properties"])
        case .page: commonKeys.union(["name", "category", "properties"])
        case .identify: commonKeys.union(["traits"])
        }
    }

    /// The `messageId` of `object` when it is a usable one, for the report of a refused message.
    static func messageID(in object: [String: JSONValue]) -> String? {
        guard case .string(let id)? = object["messageId"], !id.isEmpty, id.utf8.count <= EventLine.maxKeyBytes,
            !id.utf8.contains(0)
        else { return nil }
        return id
    }

    /// Decodes one message. `expected` is the endpoint's kind (`/v1/track`), nil in a batch,
    /// where each message's `type` says; `accepted` are the policy's event kinds.
    static func decode(
        _ object: [String: JSONValue], expected: Kind?, accepted: Set<String>, batchSentAt: Date?
    ) throws(MessageProblem) -> (messageID: String?, action: IngestAction) {
        let fields = SegmentFields(object)
        let kind = try self.kind(of: fields, expected: expected)
        if let unknown = fields.unknownKeys(keys(of: kind)).first {
            throw MessageProblem(
                "unknown key \"\(unknown)\" in a \(kind.rawValue) message (known: \(keys(of: kind).sorted().joined(separator: ", ")))",
                field: unknown)
        }
        let anonymous = try fields.text("anonymousId", maxBytes: EventLine.maxKeyBytes)
        guard let userID = try fields.text("userId", maxBytes: EventLine.maxKeyBytes), !userID.isEmpty else {
            throw MessageProblem(
                anonymous == nil
                    ? "userId is missing: it is the contact's external_id"
                    : "userId is missing: a message with only anonymousId is refused, since anonymous visitors are not contacts",
                field: "userId")
        }
        let messageID = try fields.text("messageId", maxBytes: EventLine.maxKeyBytes)
        if messageID?.isEmpty == true {
            // Every empty id would be the same id: all but the first message dropped as repeats.
            throw MessageProblem("messageId is empty: leave it out, or give each message its own", field: "messageId")
        }
        for key in ["channel", "writeKey", "rudderId", "request_ip"] {
            _ = try fields.text(key, maxBytes: EventLine.maxKeyBytes)
        }
        _ = try fields.text("receivedAt", maxBytes: 64)
        for key in ["integrations", "_metadata"] { _ = try fields.object(key) }
        let context = try fields.object("context").map { SegmentFields($0, path: "context") }
        let timing = try SegmentTiming.of(fields, batchSentAt: batchSentAt)
        switch kind {
        case .identify:
            let traits = try IdentifyTraits.validated(
                fields.object("traits", storable: true) ?? [:], externalID: userID)
            return (messageID, .identify(externalID: userID, traits: traits))
        case .track:
            let name = try fields.required("event", maxBytes: EventLine.maxKeyBytes)
            let eventKind = try SegmentEventNames.kind(ofTrack: name, accepted: accepted)
            let event = IncomingEvent(
                externalID: userID, kind: eventKind, source: source, providerEventID: messageID,
                properties: try properties(fields))
            return (messageID, .event(event, timing: timing, isPage: false))
        case .page:
            for key in ["name", "category"] { _ = try fields.text(key, maxBytes: EventLine.maxKeyBytes) }
            let event = IncomingEvent(
                externalID: userID, kind: "page", source: source, providerEventID: messageID,
                url: try pageURL(fields, context: context), properties: try properties(fields))
            return (messageID, .event(event, timing: timing, isPage: true))
        }
    }

    private static func kind(of fields: SegmentFields, expected: Kind?) throws(MessageProblem) -> Kind {
        let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let type = try fields.text("type", maxBytes: EventLine.maxKeyBytes) else {
            if let expected { return expected }
            throw MessageProblem("type is missing (one of \(known))", field: "type")
        }
        guard let kind = Kind(rawValue: type) else {
            throw MessageProblem("type \"\(type)\" is not one ebbflow takes (\(known))", field: "type")
        }
        if let expected, kind != expected {
            throw MessageProblem("type \"\(type)\" sent to the \(expected.rawValue) endpoint", field: "type")
        }
        return kind
    }

    /// `properties` as compact JSON (keys sorted), `{}` when absent.
    private static func properties(_ fields: SegmentFields) throws(MessageProblem) -> PGJSON {
        guard let object = try fields.object("properties", storable: true) else { return PGJSON("{}") }
        var text = ""
        JSONValue.object(object).write(to: &text)
        return PGJSON(text)
    }

    /// The page's URL: `properties.url`, else `context.page.url`, else `properties.path`.
    private static func pageURL(_ fields: SegmentFields, context: SegmentFields?) throws(MessageProblem) -> String? {
        let properties = try fields.object("properties").map { SegmentFields($0, path: "properties") }
        if let url = try properties?.text("url"), !url.isEmpty { return url }
        if case .object(let page)? = context?["page"] {
            let page = SegmentFields(page, path: "context.page")
            if let url = try page.text("url"), !url.isEmpty { return url }
        }
        if let path = try properties?.text("path"), !path.isEmpty { return path }
        return nil
    }
}
