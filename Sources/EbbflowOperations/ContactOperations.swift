// Contacts for both front doors: one contact's whole story, and keyset pages of the filtered list.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// `contacts show` / `GET /v1/contacts/{external_id}` and `contacts list` / `GET /v1/contacts`.
public struct ContactOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// A page holds this many contacts unless the caller says otherwise.
    public static let defaultLimit = 100
    /// The largest page the API serves (the CLI passes its own, larger, bound).
    public static let maximumLimit = 1_000

    /// One contact with its transitions, sends, stream, decisions, attributes, events and
    /// timeline, oldest first. `notFound` when no contact has that external id.
    public func show(externalID: String, on database: PGConnection) async throws -> Shown<ContactView> {
        let (contacts, policies) = (ContactStore(schema: schema), PolicyStore(schema: schema))
        guard
            let full = try await database.run({ connection in
                try contacts.show(externalID: externalID, policies: try policies.load(on: connection), on: connection)
            })
        else { throw OperationError.notFound("no contact with external id \"\(externalID)\"") }
        return Shown(model: full, document: Self.document(full))
    }

    /// Checks a status filter: nil or one of the campaign statuses, else `invalid` naming `status`.
    public static func status(_ text: String?) throws(OperationError) -> CampaignStatus? {
        guard let text else { return nil }
        guard let status = CampaignStatus(rawValue: text) else {
            throw .invalid(
                "--status must be one of \(CampaignStatus.allCases.map(\.rawValue).joined(separator: ", ")); got \(text)",
                field: "status")
        }
        return status
    }

    /// Checks a page size: `defaultLimit` when nil, else 1...`maximum`, naming `limit`.
    public static func limit(_ limit: Int?, maximum: Int = maximumLimit) throws(OperationError) -> Int {
        guard let limit else { return defaultLimit }
        do { return try InputBounds.integer(limit, field: "--limit", in: 1...maximum) } catch {
            throw .invalid(error.description, field: "limit")
        }
    }

    /// One page of contacts by status and segment, in external id order, scores decayed to now.
    /// `cursor` is a page's `nextCursor` (nil: the first page); `maximumLimit` is the API's
    /// bound unless the CLI passes its own.
    public func list(
        status: String?, segment: String?, cursor: String? = nil, limit: Int? = nil,
        maximumLimit: Int = ContactOperations.maximumLimit, on database: PGConnection
    ) async throws -> Page<ContactSummary> {
        let status = try Self.status(status)
        let limit = try Self.limit(limit, maximum: maximumLimit)
        let after = try cursor.map { cursor throws(OperationError) in try PageCursor.key(cursor, list: .contacts) }
        let (contacts, policies) = (ContactStore(schema: schema), PolicyStore(schema: schema))
        // One row more than asked says whether a next page exists without a count.
        var rows = try await database.run { connection in
            try contacts.list(
                status: status, segment: segment, after: after, limit: limit + 1,
                policies: try policies.load(on: connection), on: connection)
        }
        let more = rows.count > limit
        if more { rows.removeLast(rows.count - limit) }
        return Page(
            rows: rows, items: rows.map(Self.item),
            nextCursor: more ? rows.last.map { PageCursor.make(.contacts, key: $0.externalID) } : nil, key: "contacts")
    }

    /// One contact of a list, as `contacts list --json` prints it.
    static func item(_ row: ContactSummary) -> JSONDocument {
        [
            "external_id": .string(row.externalID), "email": .text(row.email), "segment": .string(row.segment),
            "campaign_status": .string(row.status.rawValue), "engagement_score": .number(row.engagementScore),
            "last_engagement_at": .time(row.lastEngagementAt), "channel": .string(row.channel),
        ]
    }

    /// The stable script contract of `contacts show --json`.
    static func document(_ full: ContactView) -> JSONDocument {
        let view = full.contact
        return [
            "external_id": .string(view.externalID), "email": .text(view.email), "segment": .string(view.segment),
            "campaign_status": .string(view.status.rawValue), "engagement_score": .number(view.engagementScore),
            "last_engagement_at": .time(view.lastEngagementAt),
            "reactivation_cycle": .whole(full.reactivationCycle), "channel": .string(view.channel),
            "transitions": .array(
                full.transitions.map {
                    ["from": .string($0.from), "to": .string($0.to), "reason": .string($0.reason), "at": .time($0.at)]
                }),
            "sends": .array(
                full.sends.map {
                    [
                        "flow": .string($0.flow), "step": .whole($0.step), "template": .string($0.template),
                        "channel": .string($0.channel), "at": .time($0.at),
                    ]
                }),
            "stream": full.stream.map { ["name": .string($0.name), "since": .time($0.since)] } ?? .null,
            "stream_decisions": .array(
                full.streamDecisions.map { decision in
                    [
                        "at": .time(decision.at), "trigger": .string(decision.trigger),
                        "from": .text(decision.previous),
                        "to": .text(decision.chosen), "reason": .string(decision.reason),
                        "candidates": JSONDocument(parsing: decision.candidates.bytes) ?? .null,
                    ]
                }),
            // Added fields; the ones above keep their names and shapes.
            "attributes": JSONDocument(parsing: full.attributes.bytes) ?? .object([:]),
            "events": .array(
                full.events.map { event in
                    [
                        "id": .integer(event.id), "kind": .string(event.kind), "occurred_at": .time(event.occurredAt),
                        "source": .string(event.source), "points": .whole(event.points),
                        "machine_open": .bool(event.machineOpen), "bot": .bool(event.bot), "url": .text(event.url),
                        "rejection": .text(event.rejection), "settled_at": .time(event.settledAt),
                    ]
                }),
            "timeline": .array(
                full.timeline.map { ["at": .time($0.at), "type": .string($0.type), "text": .string($0.text)] }),
            "suppression_reason": .text(full.suppressionReason),
        ]
    }
}
