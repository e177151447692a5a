// One page of a contact's timeline, newest first, bounded, with a keyset cursor across its four sources.
import EbbflowCore
import Foundation
import PostgresClient

/// The four sources of a contact's timeline. The raw value orders entries of one instant, as
/// `ContactView.timeline` does oldest first (an event, then the transition and decision it
/// caused, then a send); newest first reverses it.
public enum ContactTimelineSource: Int, Sendable, CaseIterable, Comparable {
    case event = 0, transition = 1, decision = 2, send = 3

    /// The name in a cursor token and to the dashboard.
    public var name: String {
        switch self {
        case .event: "event"
        case .transition: "transition"
        case .decision: "decision"
        case .send: "send"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a page ends: the last entry shown (its time, source and row id). Entries strictly
/// older than it in the timeline's order (time, then source, then id, all descending) come next.
public struct ContactTimelineCursor: Sendable, Hashable, Comparable {
    /// Microseconds since 1970 UTC (PostgreSQL's precision, so a cursor round-trips exactly).
    public var microseconds: Int64
    public var source: ContactTimelineSource
    public var id: Int64

    public init(at: Date, source: ContactTimelineSource, id: Int64) {
        // Clamped: a row dated near PostgreSQL's last instant (294276 AD, written by another
        // system's INSERT) must not trap the conversion.
        let micros = (at.timeIntervalSince1970 * 1_000_000).rounded()
        microseconds = micros.isNaN ? 0 : Int64(max(-9.2e18, min(9.2e18, micros)))
        self.source = source
        self.id = id
    }

    public var at: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    /// `MICROSECONDS.SOURCE.ID`, for a `before=` query parameter (letters, digits, `-` and `.` only).
    public var token: String { "\(microseconds).\(source.name).\(id)" }

    /// Reads a token made by `token`; anything else is refused naming `before`.
    public init(token: String) throws(DashboardInputError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 64, parts.count == 3, let micros = Int64(parts[0]),
            let source = ContactTimelineSource.allCases.first(where: { $0.name == parts[1] }),
            let id = Int64(parts[2]), id > 0,
            micros > -253_402_300_800_000_000, micros < 253_402_300_800_000_000 // years ±9999 (abs(Int64.min) traps)
        else {
            throw DashboardInputError(
                field: "before", "not a timeline cursor (expected MICROSECONDS.SOURCE.ID, as the \"older\" link gives)")
        }
        microseconds = micros
        self.source = source
        self.id = id
    }

    /// Newer entries sort greater.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.microseconds, lhs.source, lhs.id) < (rhs.microseconds, rhs.source, rhs.id)
    }
}

/// A transition with its reason and the administrator's or consent source's words.
public struct ContactTransitionEntry: Sendable, Equatable {
    public var from: CampaignStatus
    public var to: CampaignStatus
    public var reason: String
    public var detail: String?
}

/// A send with its delivery state and, for a stream step's experiment, the variant.
public struct ContactSendEntry: Sendable, Equatable {
    public var flow: String
    public var step: Int
    public var template: String
    public var channel: String
    /// pending, leased, sent, failed, dead or cancelled (engine 0029).
    public var state: String
    public var attempts: Int
    public var lastError: String?
    public var cancelReason: String?
    public var experiment: String?
    public var variant: String?
}

/// One entry of the timeline.
public struct ContactTimelineItem: Sendable {
    public enum Detail: Sendable {
        case event(ContactEventView)
        case transition(ContactTransitionEntry)
        case send(ContactSendEntry)
        /// An arbiter decision with the candidates it weighed.
        case decision(StreamDecisionView)
    }

    public var cursor: ContactTimelineCursor
    public var at: Date
    public var detail: Detail
}

/// A page: at most `limit` entries newest first, and the cursor of the next (older) page, nil
/// when this one reached the contact's first entry.
public struct ContactTimelinePageResult: Sendable {
    public var items: [ContactTimelineItem]
    public var older: ContactTimelineCursor?
}

/// Why a page of its own and not `ContactStore.show`: `show` reads every row of a contact, and
/// a contact with 100,000 events (a bot, a shared inbox) must still open in milliseconds. Each
/// source reads at most `limit + 1` rows older than the cursor, newest first, and the merge
/// keeps the newest `limit`: no entry is skipped or repeated between pages, however many share
/// an instant, because the cursor orders by (time, source, id) and each source's statement
/// takes exactly the rows below it in that order.
///
/// Indexes: events through `engagement_events_contact (contact_id, occurred_at)` and sends
/// through `sends_contact_at (contact_id, at)`, read backwards from the cursor's time (≤ limit
/// + 1 rows plus those of the cursor's own instant). Transitions and decisions have only
/// `(contact_id, id)` indexes, and their time is not guaranteed to follow their id (a
/// simulation may set the clock), so their statements read the contact's rows through that
/// index and keep the top `limit + 1` by time: a cost in the contact's transitions (a few per
/// status change) and decisions (one per arbitration), which stay small beside its events.
public struct ContactTimelinePage: Sendable {
    /// The largest page the dashboard may ask for.
    public static let maximumLimit = 500
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The newest `limit` entries of contact `contactID` older than `before` (or the newest
    /// of all). Throws `DashboardInputError` naming `limit` when it is outside 1...500.
    public func page(
        contactID: Int64, before: ContactTimelineCursor?, limit: Int, on connection: isolated PGConnection
    ) throws -> ContactTimelinePageResult {
        try DashboardInputError.check(limit, "limit", in: 1...Self.maximumLimit)
        var items: [ContactTimelineItem] = []
        for source in ContactTimelineSource.allCases {
            items += try read(source, contactID: contactID, before: before, take: limit + 1, on: connection)
        }
        items.sort { $0.cursor > $1.cursor }
        let more = items.count > limit
        let page = Array(items.prefix(limit))
        return ContactTimelinePageResult(items: page, older: more ? page.last?.cursor : nil)
    }

    /// The keyset bound of one source: rows strictly below `before` in (time, source, id)
    /// order. For a source ranked below the cursor's, its rows of the cursor's instant all
    /// come after; above, none do; the same source compares ids. `$2` time, `$3` id.
    private func bound(_ source: ContactTimelineSource, time column: String, before: ContactTimelineCursor?) -> String {
        guard let before else { return "true" }
        if source < before.source { return "\(column) <= $2" }
        if source > before.source { return "\(column) < $2" }
        return "\(column) <= $2 AND (\(column), id) < ($2, $3)"
    }

    /// Each source's table, time column and the columns its entry needs.
    private static func statement(_ source: ContactTimelineSource) -> (table: String, time: String, columns: String) {
        switch source {
        case .event:
            ("engagement_events", "occurred_at", "kind, source, points, machine_open, bot, url, rejection, applied_at")
        case .transition:
            ("transitions", "at", "from_status::text AS from_status, to_status::text AS to_status, reason, detail")
        case .send:
            (
                "sends", "at",
                "flow, step, template, channel, state, attempts, last_error, cancel_reason, experiment, variant"
            )
        case .decision: ("stream_decisions", "at", "trigger, previous, chosen, reason, candidates")
        }
    }

    /// The entry of one row of `source`'s statement.
    private static func detail(_ source: ContactTimelineSource, _ row: PGRow, at: Date) throws
        -> ContactTimelineItem.Detail
    {
        switch source {
        case .event:
            .event(
                ContactEventView(
                    id: try row.decode("id"), kind: try row.decode("kind"), occurredAt: at,
                    source: try row.decode("source"), points: try row.decode("points"),
                    machineOpen: try row.decode("machine_open"), bot: try row.decode("bot"),
                    url: try row.decode("url"), rejection: try row.decode("rejection"),
                    settledAt: try row.decode("applied_at")))
        case .transition:
            .transition(
                ContactTransitionEntry(
                    from: CampaignStatus(rawValue: try row.decode("from_status")) ?? .active,
                    to: CampaignStatus(rawValue: try row.decode("to_status")) ?? .active,
                    reason: try row.decode("reason"), detail: try row.decode("detail")))
        case .send:
            .send(
                ContactSendEntry(
                    flow: try row.decode("flow"), step: try row.decode("step"), template: try row.decode("template"),
                    channel: try row.decode("channel"), state: try row.decode("state"),
                    attempts: try row.decode("attempts"), lastError: try row.decode("last_error"),
                    cancelReason: try row.decode("cancel_reason"), experiment: try row.decode("experiment"),
                    variant: try row.decode("variant")))
        case .decision:
            .decision(
                StreamDecisionView(
                    at: at, trigger: try row.decode("trigger"), previous: try row.decode("previous"),
                    chosen: try row.decode("chosen"), reason: try row.decode("reason"),
                    candidates: try row.decode("candidates")))
        }
    }

    /// At most `take` rows of `source` below `before`, newest first ($1 contact, $2 and $3 the
    /// cursor's time and id, $4 `take`).
    private func read(
        _ source: ContactTimelineSource, contactID: Int64, before: ContactTimelineCursor?, take: Int,
        on connection: isolated PGConnection
    ) throws -> [ContactTimelineItem] {
        let (table, time, columns) = Self.statement(source)
        return try connection.query(
            """
            SELECT id, \(time) AS at, \(columns) FROM \(schema.qualified(table))
            WHERE contact_id = $1 AND \(bound(source, time: time, before: before))
            ORDER BY \(time) DESC, id DESC LIMIT $4
            """, [contactID, before?.at ?? Date.distantFuture, before?.id ?? Int64.max, take]
        ).rows.map { row in
            let at: Date = try row.decode("at")
            return ContactTimelineItem(
                cursor: ContactTimelineCursor(at: at, source: source, id: try row.decode("id")), at: at,
                detail: try Self.detail(source, row, at: at))
        }
    }
}
