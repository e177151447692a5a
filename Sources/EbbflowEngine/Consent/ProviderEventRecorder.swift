// Records provider webhook events: each matched to its contact (send id, else address) and applied, or kept as unmatched, in one transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// The one way a provider's events (SendGrid, Mailgun, Postmark, SES) reach the engine, after
/// the webhook verified the request's signature and translated its payload.
///
/// Why one transaction for a request's events: the provider is answered 200 only after COMMIT,
/// so an event it was told is received cannot be lost, and a failure answers 5xx so the
/// provider delivers again; the repeat is stored once (the provider's event id is the event's
/// idempotency key here, `(provider, id)` is unique among the unmatched). Why matching here and
/// not in each webhook: the send id the message carried is the surest way to the contact,
/// the address is the fallback every provider has, and an event that matches neither must be
/// kept with its reason, never dropped; four webhooks must not decide that four ways.
public struct ProviderEventRecorder: Sendable {
    let sql: ProviderEventSQL
    let store: EventStore
    let applier: EventApplier
    let policies: PolicyStore

    /// The longest provider event id, address and URL kept (bytes); longer is `invalid`.
    public static let maxIDBytes = 512
    public static let maxEmailBytes = 320
    public static let maxURLBytes = 8_192
    /// The largest properties object kept (bytes of JSON).
    public static let maxPropertiesBytes = 32 * 1_024

    public init(schema: SchemaName) {
        sql = ProviderEventSQL(schema: schema)
        store = EventStore(schema: schema)
        applier = EventApplier(schema: schema)
        policies = PolicyStore(schema: schema)
    }

    /// Records `events` in one transaction (retried whole through transient database errors)
    /// and returns one outcome per event, after COMMIT.
    public func record(_ events: [ProviderEvent], on connection: PGConnection) async throws -> ProviderEventReport {
        try await record(events, on: connection, first: { _, _ in })
    }

    /// As `record(_:on:)`, with `check` run first in the same transaction with the database
    /// clock read for it: a webhook's checks that need the database (a signature's age against
    /// the one clock, a replayed token) throw from it, and then nothing is stored; what `check`
    /// writes (a token seen) commits with the events or not at all.
    public func record(
        _ events: [ProviderEvent], on connection: PGConnection,
        first check: @escaping @Sendable (isolated PGConnection, Date) throws -> Void
    ) async throws -> ProviderEventReport {
        var outcomes = [ProviderEventOutcome?](repeating: nil, count: events.count)
        var items: [Item] = []
        for (index, event) in events.enumerated() {
            switch Self.prepared(event) {
            case .success(let properties): items.append(Item(index: index, event: event, properties: properties))
            case .failure(let problem): outcomes[index] = .invalid(reason: problem.reason)
            }
        }
        let decided = try await connection.run { [self, items] connection in
            do {
                return try await TransientRetry.run {
                    try await connection.withTransaction { [self] connection in
                        let now = try store.now(on: connection)
                        try check(connection, now)
                        return try process(items, now: now, on: connection)
                    }
                }
            } catch let error as PGError where error.isCausedByRowData {
                // One event's data the database refused: each alone under a savepoint, so the
                // others commit and only that one is reported.
                return try await TransientRetry.run {
                    try await connection.withTransaction { [self] connection in
                        let now = try store.now(on: connection)
                        try check(connection, now)
                        var all: [Int: ProviderEventOutcome] = [:]
                        for item in items {
                            try connection.execute("SAVEPOINT provider_event")
                            do {
                                all.merge(try process([item], now: now, on: connection)) { first, _ in first }
                                try connection.execute("RELEASE SAVEPOINT provider_event")
                            } catch let error as PGError where error.isCausedByRowData {
                                try connection.execute("ROLLBACK TO SAVEPOINT provider_event")
                                all[item.index] = .invalid(reason: "the database refused it: \(error.message)")
                            }
                        }
                        return all
                    }
                }
            }
        }
        for (index, outcome) in decided { outcomes[index] = outcome }
        return ProviderEventReport(outcomes: outcomes.map { $0 ?? .invalid(reason: "not recorded") })
    }

    /// One event ready to record: its place in the request and its properties as an object.
    struct Item: Sendable {
        var index: Int
        var event: ProviderEvent
        /// The event's properties, checked to be one JSON object within the bounds.
        var properties: String
    }

    /// Matches, stores and applies `items`, keeping the unmatched; the caller's transaction.
    private func process(_ items: [Item], now: Date, on connection: isolated PGConnection) throws
        -> [Int: ProviderEventOutcome]
    {
        guard !items.isEmpty else { return [:] }
        let document = try policies.load(on: connection)
        let rows = try connection.query(sql.match, [items.map(\.event.sendID), items.map(\.event.email)]).rows
        var matched: [(item: Item, event: IncomingEvent)] = []
        var unmatched: [(item: Item, reason: String)] = []
        for (item, row) in zip(items, rows) {
            let sendFound: Bool = try row.decode("send_found")
            guard let externalID: String = try row.decode("external_id") else {
                unmatched.append((item, Self.unmatchedReason(item.event)))
                continue
            }
            let event = item.event
            var incoming = IncomingEvent(
                externalID: externalID, kind: event.kind, occurredAt: event.occurredAt, source: event.provider,
                providerEventID: event.providerEventID, machineOpen: event.machineOpen, url: event.url,
                properties: PGJSON(sendFound ? Self.adding(sendID: event.sendID, to: item.properties) : item.properties)
            )
            incoming.bot = event.bot
            matched.append((item, incoming))
        }
        var outcomes: [Int: ProviderEventOutcome] = [:]
        let stored = try store.record(matched.map(\.event), now: now, on: connection)
        for row in stored { outcomes[matched[row.ordinal - 1].item.index] = .stored(eventID: row.id) }
        let settled = try applier.settle(
            eventIDs: stored.filter { $0.contactID != nil }.map(\.id), policies: document, now: now, on: connection)
        var refusals: [Int64: String] = [:]
        for rejection in settled.rejected { refusals[rejection.eventID] = rejection.reason }
        for row in stored {
            if let reason = refusals[row.id] {
                outcomes[matched[row.ordinal - 1].item.index] = .rejected(eventID: row.id, reason: reason)
            }
        }
        for (item, _) in matched where outcomes[item.index] == nil { outcomes[item.index] = .duplicate }
        try keep(unmatched, now: now, into: &outcomes, on: connection)
        return outcomes
    }

    /// Inserts the unmatched events; one kept before (or earlier in this batch) is a duplicate.
    private func keep(
        _ unmatched: [(item: Item, reason: String)], now: Date, into outcomes: inout [Int: ProviderEventOutcome],
        on connection: isolated PGConnection
    ) throws {
        guard !unmatched.isEmpty else { return }
        let events = unmatched.map(\.item.event)
        let inserted = try connection.query(
            sql.insertUnmatched,
            [
                events.map(\.provider), events.map(\.providerEventID), events.map(\.kind), events.map(\.occurredAt),
                events.map(\.sendID), events.map(\.email), events.map(\.machineOpen), events.map(\.bot),
                events.map(\.url), unmatched.map(\.item.properties), unmatched.map(\.reason), now,
            ]
        ).rows
        var fresh = Set<[String]>()
        for row in inserted { fresh.insert([try row.decode("provider"), try row.decode("provider_event_id")]) }
        for (item, reason) in unmatched {
            // The first of a batch's repeats takes the insert; the others are its duplicates.
            let key = [item.event.provider, item.event.providerEventID]
            outcomes[item.index] = fresh.remove(key) != nil ? .unmatched(reason: reason) : .duplicate
        }
    }

    /// Why nothing matched, without the address itself (reasons go to logs).
    static func unmatchedReason(_ event: ProviderEvent) -> String {
        switch (event.sendID, event.email) {
        case (let send?, nil): "send id \(send) is unknown and the event names no address"
        case (let send?, _?): "send id \(send) is unknown and no contact has the event's address"
        case (nil, _?): "the event carries no send id and no contact has its address"
        case (nil, nil): "the event carries neither a send id nor an address"
        }
    }

    /// The properties with the matched send's id added (`send_id`), so the event names the
    /// send it answers.
    static func adding(sendID: Int64?, to properties: String) -> String {
        guard let sendID,
            var object = (try? JSONSerialization.jsonObject(with: Data(properties.utf8))) as? [String: Any]
        else { return properties }
        object["send_id"] = sendID
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return properties }
        return String(decoding: data, as: UTF8.self)
    }

    /// Why an event cannot be stored at all.
    struct Problem: Error { var reason: String }

    /// The event's properties text when every field is within its bounds and storable.
    static func prepared(_ event: ProviderEvent) -> Result<String, Problem> {
        func text(_ value: String?, _ field: String, max: Int) -> Problem? {
            guard let value else { return nil }
            if value.utf8.count > max { return Problem(reason: "\(field) is longer than \(max) bytes") }
            if value.utf8.contains(0) { return Problem(reason: "\(field) holds a NUL character") }
            return nil
        }
        guard !event.providerEventID.isEmpty else { return .failure(Problem(reason: "the provider event id is empty")) }
        guard event.provider.utf8.count <= 32, !event.provider.isEmpty,
            event.provider.utf8.allSatisfy({ $0 >= 97 && $0 <= 122 })
        else { return .failure(Problem(reason: "the provider name must be 1 to 32 lower-case letters")) }
        guard EngagementPolicy.isKindName(event.kind) else {
            return .failure(Problem(reason: "the kind is not an event kind name"))
        }
        if let problem = text(event.providerEventID, "the provider event id", max: maxIDBytes)
            ?? text(event.email, "the address", max: maxEmailBytes) ?? text(event.url, "the url", max: maxURLBytes)
        {
            return .failure(problem)
        }
        if let at = event.occurredAt, !(Self.earliest...Self.latest).contains(at) {
            return .failure(Problem(reason: "the time is outside 1970...9999"))
        }
        guard event.properties.utf8.count <= maxPropertiesBytes,
            (try? JSONSerialization.jsonObject(with: Data(event.properties.utf8))) is [String: Any]
        else { return .failure(Problem(reason: "the properties are not a JSON object of at most 32 KB")) }
        // jsonb refuses the NUL character, escaped or not.
        guard !event.properties.contains("\\u0000") else {
            return .failure(Problem(reason: "the properties hold a NUL character"))
        }
        return .success(event.properties)
    }

    static let earliest = Date(timeIntervalSince1970: 0)
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)
}
