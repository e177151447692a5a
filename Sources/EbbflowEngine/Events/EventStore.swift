// Contacts and events in: upserts and inserts that keep every event and count duplicates once.
import EbbflowCore
import Foundation
import PostgresClient

/// An engagement event as received.
public struct IncomingEvent: Sendable {
    public var externalID: String
    public var kind: String
    public var occurredAt: Date?
    public var source: String
    public var providerEventID: String?
    public var machineOpen: Bool
    /// A click made by a link scanner, not a person (engine 0022): kept, scored 0.
    public var bot: Bool = false
    public var url: String?
    public var properties: PGJSON
    /// Where an import read the event (its run's id and line number), for a line with neither
    /// `occurredAt` nor `providerEventID`: its idempotency key then, so the run's own retries
    /// store it once while a later import of the same line is a new event.
    public var place: String?

    public init(
        externalID: String, kind: String, occurredAt: Date? = nil, source: String = "import",
        providerEventID: String? = nil, machineOpen: Bool = false, url: String? = nil, properties: PGJSON = PGJSON("{}")
    ) {
        self.externalID = externalID
        self.kind = kind
        self.occurredAt = occurredAt
        self.source = source
        self.providerEventID = providerEventID
        self.machineOpen = machineOpen
        self.url = url
        self.properties = properties
    }
}

/// What recording an event did.
public enum RecordedEvent: Sendable, Equatable {
    /// Stored; apply it with `EventApplier`.
    case stored(id: Int64)
    /// The same (source, provider event id) was stored before: counted once.
    case duplicate
    /// Stored, but no contact has that external id: kept and reported, never dropped.
    case unknownContact(id: Int64)
}

/// One stored row of a batch insert.
public struct StoredEvent: Sendable, Equatable {
    public var id: Int64
    public var contactID: Int64?
    public var externalID: String
    public var source: String
    public var providerEventID: String?
    /// The event's 1-based position in the batch given to `record`.
    public var ordinal: Int
}

public struct EventStore: Sendable {
    let sql: EventSQL

    public init(schema: SchemaName) { sql = EventSQL(schema: schema) }

    /// The database clock (`DatabaseClock`), read once per transaction.
    public func now(on connection: isolated PGConnection) throws -> Date {
        try DatabaseClock(schema: sql.schema).now(on: connection)
    }

    /// Inserts or updates a contact by external id; returns its id and whether it is new.
    @discardableResult
    public func upsertContact(
        externalID: String, email: String?, segment: String, now: Date,
        on connection: isolated PGConnection
    ) throws -> (id: Int64, inserted: Bool) {
        let upsert = ContactSQL(schema: sql.schema).upsertContact
        let row = try connection.query(upsert, [externalID, email, segment, now]).first!
        return (try row.decode("id"), try row.decode("inserted"))
    }

    /// Records many events in one statement and marks this transaction's events as applied
    /// inline (the caller applies them; no `apply_events` job is made). Duplicates (by
    /// idempotency key, see `EventSQL.insertEvents`) return nothing.
    public func record(_ events: [IncomingEvent], now: Date, on connection: isolated PGConnection) throws
        -> [StoredEvent]
    {
        guard !events.isEmpty else { return [] }
        try connection.execute(sql.applyInline)
        return try connection.query(
            sql.insertEvents,
            [
                events.map(\.externalID), events.map(\.kind), events.map(\.occurredAt), events.map(\.source),
                events.map(\.providerEventID),
                events.map(\.machineOpen), events.map(\.url), events.map(\.properties.text), now, events.map(\.place),
                events.map(\.bot),
            ]
        ).rows.map {
            StoredEvent(
                id: try $0.decode("id"), contactID: try $0.decode("contact_id"),
                externalID: try $0.decode("external_id"),
                source: try $0.decode("source"), providerEventID: try $0.decode("provider_event_id"),
                ordinal: try $0.decode("ord"))
        }
    }

    /// Records one event through the batch path; the caller applies it in the same transaction.
    public func record(_ event: IncomingEvent, now: Date, on connection: isolated PGConnection) throws -> RecordedEvent
    {
        guard let stored = try record([event], now: now, on: connection).first else { return .duplicate }
        return stored.contactID == nil ? .unknownContact(id: stored.id) : .stored(id: stored.id)
    }
}
