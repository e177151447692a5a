// What a followed link does: the unsubscribe, open and click it records and applies, in one transaction, after its token verifies.
import Crypto
import EbbflowCore
import Foundation
import PostgresClient

/// Who followed a link, as the HTTP layer saw it.
public struct LinkClient: Sendable {
    /// The client's address (the socket peer, or `X-Forwarded-For` behind a trusted proxy).
    public var address: IPAddress?
    public var userAgent: String?
    /// A HEAD request: no person's browser follows a link with HEAD, scanners do.
    public var isHead: Bool

    public init(address: IPAddress? = nil, userAgent: String? = nil, isHead: Bool = false) {
        self.address = address
        self.userAgent = userAgent
        self.isHead = isHead
    }
}

/// What a one-click unsubscribe did.
public enum UnsubscribeOutcome: Sendable, Equatable {
    /// The `unsubscribe` event was stored and applied now.
    case unsubscribed
    /// The same link was used before in this consent period: stored once, answered the same.
    case alreadyRecorded
}

/// What a click did: where to send the person, and whether the click was counted as a bot's.
public struct ClickOutcome: Sendable, Equatable {
    public var url: String
    /// Why it is a bot's (`head`, `user_agent`, `window`), or nil for a person's.
    public var botReason: String?
}

/// The engine side of the link routes, no HTTP in it. Each call verifies the token before it
/// reads anything else, then records its event (`EventStore.record`) and applies it
/// (`EventApplier.settle`) in one transaction, as `IngestService` does, and returns only after
/// COMMIT. A refused token (`LinkRefusal`) writes nothing.
public struct LinkEvents: Sendable {
    let schema: SchemaName
    let signer: LinkSigner
    let store: EventStore
    let applier: EventApplier
    let policies: PolicyStore

    /// The `source` of the events these routes record.
    public static let unsubscribeSource = "one_click"
    public static let trackingSource = "tracking"

    public init(schema: SchemaName) {
        self.schema = schema
        signer = LinkSigner(schema: schema)
        store = EventStore(schema: schema)
        applier = EventApplier(schema: schema)
        policies = PolicyStore(schema: schema)
    }

    /// Checks an unsubscribe token (for the confirmation page) and writes nothing.
    public func checkUnsubscribe(_ text: String, on connection: PGConnection) async throws {
        try await connection.run { [self] connection in
            let now = try store.now(on: connection)
            let token = try signer.verify(text, purpose: .unsubscribe, now: now, on: connection)
            guard try contact(token.subject, on: connection) != nil else { throw LinkRefusal.notFound("contact") }
        }
    }

    /// Records and applies the contact's `unsubscribe` (source `one_click`). Its provider event
    /// id is derived from the token and the number of times the contact's suppression was
    /// lifted: a repeated POST (a mail client retrying, a person clicking twice) is stored
    /// once, and the same link used again after a resubscribe unsubscribes again.
    public func unsubscribe(_ text: String, on connection: PGConnection) async throws -> UnsubscribeOutcome {
        try await connection.run { [self] connection in
            try await TransientRetry.run {
                try await connection.withTransaction { [self] connection in
                    let now = try store.now(on: connection)
                    let token = try signer.verify(text, purpose: .unsubscribe, now: now, on: connection)
                    guard let found = try contact(token.subject, on: connection) else {
                        throw LinkRefusal.notFound("contact")
                    }
                    let digest = SHA256.hash(data: Data(text.utf8)).prefix(16).map { String(format: "%02x", $0) }
                        .joined()
                    let event = IncomingEvent(
                        externalID: found.externalID, kind: "unsubscribe", source: Self.unsubscribeSource,
                        providerEventID: "\(digest):\(found.lifts)")
                    guard let stored = try store.record([event], now: now, on: connection).first else {
                        return .alreadyRecorded
                    }
                    let document = try policies.load(on: connection)
                    _ = try applier.settle(eventIDs: [stored.id], policies: document, now: now, on: connection)
                    return .unsubscribed
                }
            }
        }
    }

    /// Records and applies an `open` of the token's send; `machine_open` when the client is in
    /// one of the policy's `tracking.machine_open_networks`. Returns whether it was a machine's.
    @discardableResult
    public func open(_ text: String, client: LinkClient, on connection: PGConnection) async throws -> Bool {
        try await connection.run { [self] connection in
            try await TransientRetry.run {
                try await connection.withTransaction { [self] connection in
                    let now = try store.now(on: connection)
                    let token = try signer.verify(text, purpose: .open, now: now, on: connection)
                    guard let send = try send(token.subject, linkIndex: nil, on: connection) else {
                        throw LinkRefusal.notFound("send")
                    }
                    let document = try policies.load(on: connection)
                    let machine = document.policy(for: send.segment).tracking.isMachineOpen(from: client.address)
                    var event = IncomingEvent(
                        externalID: send.externalID, kind: "open", source: Self.trackingSource, machineOpen: machine,
                        properties: PGJSON("{\"send_id\": \(token.subject)}"))
                    // Every open is an event of its own: keyed by this request, not by its content.
                    event.place = "open:\(UUID().uuidString)"
                    let stored = try store.record([event], now: now, on: connection)
                    _ = try applier.settle(eventIDs: stored.map(\.id), policies: document, now: now, on: connection)
                    return machine
                }
            }
        }
    }

    /// Records and applies a `click` of the token's link and returns the URL recorded for it.
    /// The click is a bot's (`bot`, 0 points) when it came with HEAD, from a scanner's user
    /// agent, or within the policy's `bot_click_window` of the send's delivery (the later of
    /// its hand-over and a `delivered` event naming it in `properties.send_id`).
    public func click(_ text: String, client: LinkClient, on connection: PGConnection) async throws -> ClickOutcome {
        try await connection.run { [self] connection in
            try await TransientRetry.run {
                try await connection.withTransaction { [self] connection in
                    let now = try store.now(on: connection)
                    let token = try signer.verify(text, purpose: .click, now: now, on: connection)
                    guard let send = try send(token.subject, linkIndex: token.linkIndex, on: connection) else {
                        throw LinkRefusal.notFound("send")
                    }
                    guard let url = send.url else { throw LinkRefusal.notFound("link") }
                    let document = try policies.load(on: connection)
                    let tracking = document.policy(for: send.segment).tracking
                    let reason = Self.botReason(
                        client: client, tracking: tracking, deliveredAt: send.deliveredAt, now: now)
                    var properties = "{\"send_id\": \(token.subject), \"link_index\": \(token.linkIndex ?? 0)"
                    if let reason { properties += ", \"bot_reason\": \"\(reason)\"" }
                    var event = IncomingEvent(
                        externalID: send.externalID, kind: "click", source: Self.trackingSource, url: url,
                        properties: PGJSON(properties + "}"))
                    event.bot = reason != nil
                    event.place = "click:\(UUID().uuidString)"
                    let stored = try store.record([event], now: now, on: connection)
                    _ = try applier.settle(eventIDs: stored.map(\.id), policies: document, now: now, on: connection)
                    return ClickOutcome(url: url, botReason: reason)
                }
            }
        }
    }

    /// Why a click is a bot's, or nil. HEAD first, then the user agent, then the window.
    static func botReason(client: LinkClient, tracking: TrackingPolicy, deliveredAt: Date?, now: Date) -> String? {
        if client.isHead { return "head" }
        if tracking.scanner(in: client.userAgent) != nil { return "user_agent" }
        let window = tracking.botClickWindowSeconds
        if window > 0, let deliveredAt, now.timeIntervalSince(deliveredAt) < window { return "window" }
        return nil
    }

    private func contact(_ id: Int64, on connection: isolated PGConnection) throws -> (
        externalID: String, lifts: Int64
    )? {
        try connection.query(
            """
            SELECT c.external_id,
                   (SELECT count(*) FROM \(schema.qualified("transitions")) t
                    WHERE t.contact_id = c.id AND t.from_status = 'suppressed' AND t.to_status <> 'suppressed') AS lifts
            FROM \(schema.qualified("contacts")) c WHERE c.id = $1
            """, [id]
        ).rows.first.map { (try $0.decode("external_id"), try $0.decode("lifts")) }
    }

    private func send(_ id: Int64, linkIndex: Int32?, on connection: isolated PGConnection) throws -> (
        externalID: String, segment: String, url: String?, deliveredAt: Date?
    )? {
        try connection.query(
            """
            SELECT c.external_id, c.segment, l.url,
                   greatest(s.sent_at,
                            (SELECT min(e.occurred_at) FROM \(schema.qualified("engagement_events")) e
                             WHERE e.contact_id = s.contact_id AND e.kind = 'delivered'
                               AND e.properties ->> 'send_id' = s.id::text)) AS delivered_at
            FROM \(schema.qualified("sends")) s JOIN \(schema.qualified("contacts")) c ON c.id = s.contact_id
            LEFT JOIN \(schema.qualified("tracked_links")) l ON l.send_id = s.id AND l.link_index = $2
            WHERE s.id = $1
            """, [id, linkIndex ?? -1]
        ).rows.first.map {
            (
                try $0.decode("external_id"), try $0.decode("segment"), try $0.decode("url"),
                try $0.decode("delivered_at")
            )
        }
    }
}
