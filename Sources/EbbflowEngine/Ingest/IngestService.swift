// The one entry point of ingest: a request's messages recorded and applied in one transaction, answered after COMMIT.
import EbbflowCore
import Foundation
import PostgresClient
import Synchronization

/// One accepted message of a request, ready to commit.
struct IngestItem: Sendable {
    var index: Int
    var messageID: String?
    var action: IngestAction
}

/// The HTTP layer's engine: `ingest` reads a request's body, and in one transaction creates or
/// updates the contacts its identifies name, records its events (`EventStore.record`) and
/// applies them (`EventApplier.settle`) exactly as `events import` commits a batch: same
/// scoring, state machine, flow cancellation and stream decisions, in the insert's
/// transaction. It returns only after COMMIT, so nothing it reports accepted can be lost.
///
/// Why one transaction a request: a 200 must mean committed, and a batch of 100 costs one
/// round of statements instead of 100. Identifies are upserted before the events, so a batch
/// that identifies a new contact and tracks it in one request applies its events.
public struct IngestService: Sendable {
    let schema: SchemaName
    let store: EventStore
    let applier: EventApplier
    let policies: PolicyStore

    /// Segment's limit for one message: a larger single message is `messageTooLarge`, a larger
    /// one in a batch is refused alone.
    public static let maxMessageBytes = SegmentBody.maxMessageBytes
    /// Segment's limit for a request: the HTTP layer refuses a larger body before calling `ingest`.
    public static let maxRequestBytes = 500 * 1024

    public init(schema: SchemaName) {
        self.schema = schema
        store = EventStore(schema: schema)
        applier = EventApplier(schema: schema)
        policies = PolicyStore(schema: schema)
    }

    /// Reads, commits and reports one request. Throws `IngestError` for a body refused whole
    /// (nothing stored); any other error is the database's (after transient errors were
    /// retried: the whole transaction, with backoff) and says nothing about the client's data.
    /// A message whose data the database refuses is retried alone, so the others commit; at a
    /// single-message endpoint it is the request's `malformed`.
    public func ingest(_ request: IngestRequest, on connection: PGConnection) async throws -> IngestReport {
        let segment =
            request.endpoint == .events ? nil : try SegmentBody.messages(request.body, endpoint: request.endpoint)
        return try await connection.run { [self] connection in
            let document = try await TransientRetry.run { try policies.load(on: connection) }
            let accepted = document.acceptedEventKinds
            var report = IngestReport()
            let items: [IngestItem]
            if let segment {
                (items, report.rejected) = try Self.decode(segment, endpoint: request.endpoint, accepted: accepted)
            } else {
                (items, report.rejected) = try NativeEvents.read(request.body, accepted: accepted)
            }
            // This request's identity: an event with neither a time nor a messageId is keyed by
            // its place in the request, so the request's own retries store it once.
            let requestID = UUID().uuidString
            let placed = items.map { item in
                guard case .event(var event, let timing, let isPage) = item.action else { return item }
                if event.providerEventID == nil { event.place = "\(requestID):\(item.index)" }
                return IngestItem(
                    index: item.index, messageID: item.messageID, action: .event(event, timing: timing, isPage: isPage))
            }
            let receipt = Receipt()
            do {
                try await commit(placed, document: document, receipt: receipt, into: &report, on: connection)
            } catch let error as PGError where error.isCausedByRowData {
                if request.endpoint.isSingleMessage {
                    throw IngestError.malformed(reason: "the database refused it: \(error.message)", field: nil)
                }
                for item in placed {
                    do {
                        try await commit([item], document: document, receipt: receipt, into: &report, on: connection)
                    } catch let error as PGError where error.isCausedByRowData {
                        report.rejected.append(
                            IngestRejection(
                                index: item.index, messageID: item.messageID,
                                reason: "the database refused it: \(error.message)"))
                    }
                }
            }
            report.rejected.sort { $0.index < $1.index }
            return report
        }
    }

    /// Each message decoded; at a single-message endpoint a refusal is the request's.
    static func decode(
        _ body: (messages: [BodyMessage], batchSentAt: Date?), endpoint: IngestEndpoint, accepted: Set<String>
    ) throws(IngestError) -> (items: [IngestItem], rejected: [IngestRejection]) {
        let expected = SegmentMessage.Kind(rawValue: endpoint.rawValue)
        var items: [IngestItem] = []
        var rejected: [IngestRejection] = []
        for message in body.messages {
            do throws(MessageProblem) {
                if let problem = message.problem { throw problem }
                let (messageID, action) = try SegmentMessage.decode(
                    message.object, expected: expected, accepted: accepted, batchSentAt: body.batchSentAt)
                items.append(IngestItem(index: message.index, messageID: messageID, action: action))
            } catch {
                if endpoint.isSingleMessage { throw .malformed(reason: error.reason, field: error.field) }
                rejected.append(
                    IngestRejection(
                        index: message.index, messageID: SegmentMessage.messageID(in: message.object),
                        reason: error.reason))
            }
        }
        return (items, rejected)
    }

    /// One transaction, retried whole through transient errors: upsert the identified contacts
    /// (each identify once by messageId), record the events, settle those of known contacts,
    /// then count.
    private func commit(
        _ items: [IngestItem], document: PolicyDocument, receipt: Receipt, into report: inout IngestReport,
        on connection: isolated PGConnection
    ) async throws {
        guard !items.isEmpty else { return }
        let (stored, refused, events, repeatedIdentifies, forgotten) = try await TransientRetry.run {
            try await connection.withTransaction { [self] connection in
                let now = try store.now(on: connection)
                let receivedAt = receipt.first(now)
                var identifies: [(messageID: String?, externalID: String, traits: [String: JSONValue])] = []
                var events: [(item: IngestItem, event: IncomingEvent, isPage: Bool)] = []
                for item in items {
                    switch item.action {
                    case .identify(let externalID, let traits): identifies.append((item.messageID, externalID, traits))
                    case .event(var event, let timing, let isPage):
                        event.occurredAt = timing.occurredAt(receivedAt: receivedAt)
                        events.append((item, event, isPage))
                    }
                }
                // An identify whose messageId was applied before is a repeat: accepted, not re-applied.
                let firstTimes = try IdentifyMessages.firstTimes(
                    identifies.map { ($0.messageID, $0.externalID) }, now: now, schema: schema, on: connection)
                let applied = zip(identifies, firstTimes).filter(\.1).map {
                    (externalID: $0.0.externalID, traits: $0.0.traits)
                }
                let forgotten = try IdentifyTraits.upsert(applied, schema: schema, on: connection)
                let incoming = try pageKinds(events.map { ($0.event, $0.isPage) }, document: document, on: connection)
                let stored = try store.record(incoming, now: now, on: connection)
                let known = stored.filter { $0.contactID != nil }.map(\.id)
                let settled = try applier.settle(eventIDs: known, policies: document, now: now, on: connection)
                return (
                    stored, settled.rejected, events.map(\.item), identifies.count - applied.count, forgotten
                )
            }
        }
        var refusals: [Int64: String] = [:]
        for event in refused { refusals[event.eventID] = event.reason }
        var storedByOrdinal: [Int: StoredEvent] = [:]
        for row in stored { storedByOrdinal[row.ordinal] = row }
        // An identify of a forgotten person without a consent source is refused (IdentifyTraits).
        report.accepted += items.count - events.count
        for item in items where !forgotten.isEmpty {
            guard case .identify(let externalID, _) = item.action, let refusal = forgotten[externalID] else { continue }
            report.accepted -= 1
            report.rejected.append(IngestRejection(index: item.index, messageID: item.messageID, reason: refusal))
        }
        report.duplicates += repeatedIdentifies
        for (position, item) in events.enumerated() {
            guard let row = storedByOrdinal[position + 1] else {
                // Its idempotency key (its messageId) was stored before, or earlier in this request.
                report.accepted += 1
                report.duplicates += 1
                continue
            }
            if row.contactID == nil && row.externalID == ForgottenPeople.eventPlaceholder,
                case .event(let event, _, _) = item.action, event.externalID != ForgottenPeople.eventPlaceholder
            {
                // sql/engine/0024 stored it without its identifier: the person was forgotten.
                report.rejected.append(
                    IngestRejection(index: item.index, messageID: item.messageID, reason: ForgottenPeople.eventRefusal))
            } else if let reason = refusals[row.id] {
                report.rejected.append(
                    IngestRejection(
                        index: item.index, messageID: item.messageID, reason: "\(reason) (event kept, not applied)"))
            } else {
                report.accepted += 1
            }
        }
    }

    /// The events with each page's kind chosen by its contact's policy (`high_intent_pages`):
    /// the segments are read only when a segment's pages differ from the default's.
    private func pageKinds(
        _ events: [(event: IncomingEvent, isPage: Bool)], document: PolicyDocument, on connection: isolated PGConnection
    ) throws -> [IncomingEvent] {
        let pages = events.filter(\.isPage).map(\.event.externalID)
        var segments: [String: String] = [:]
        if !pages.isEmpty,
            document.segments.values.contains(where: { $0.highIntentPages != document.default.highIntentPages })
        {
            for row in try connection.query(IngestSQL(schema: schema).segments, [Array(Set(pages))]).rows {
                segments[try row.decode("external_id")] = try row.decode("segment")
            }
        }
        return events.map { entry in
            guard entry.isPage else { return entry.event }
            var event = entry.event
            event.kind = SegmentEventNames.kind(
                ofPageAt: event.url, policy: document.policy(for: segments[event.externalID]))
            return event
        }
    }
}

/// When the request was received: the database clock as its first transaction read it. Why kept
/// across retries: a time corrected by `sentAt` is counted back from receipt, and a retry after
/// a COMMIT whose outcome was lost must date (and so key) the event as the first attempt did.
final class Receipt: Sendable {
    private let time = Mutex<Date?>(nil)

    func first(_ now: Date) -> Date {
        time.withLock { stored in
            if let stored { return stored }
            stored = now
            return now
        }
    }
}
