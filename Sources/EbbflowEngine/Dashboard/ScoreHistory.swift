// A contact's engagement score over time, replayed from its applied events with the decay rule, for the dashboard's line chart.
import EbbflowCore
import Foundation
import PostgresClient

/// One point of the score line.
public struct ScorePoint: Sendable, Equatable {
    public var at: Date
    public var score: Double
}

/// The line and what it was drawn from.
public struct ScoreHistoryResult: Sendable {
    /// One point per day end (UTC) from the window's start to now, and one at each event.
    public var points: [ScorePoint]
    /// True when the contact had more events in the window than were read: the line then
    /// starts at the oldest event read, not at the window's start.
    public var truncated: Bool
}

/// Why replayed and not stored: the stored score is one number as of its last decay; the
/// events keep the points each earned (`points`), so folding them through the same rule the
/// applier uses (`ScoreDecay`, both decayed to the later of the newest engagement and the last
/// fold) redraws the line. Events before the window are not counted: the line starts at 0 at
/// the window's start (the dashboard says so), which is the score's shape if not its level.
public struct ScoreHistory: Sendable {
    /// Days drawn.
    public static let days = 90
    /// Events read at most, newest first (a contact with 100,000 events stays fast).
    public static let maximumEvents = 5_000
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Contact `contactID`'s line over the last 90 days, with its segment's `decay`. Reads the
    /// window's applied, scored events newest first through `engagement_events_contact
    /// (contact_id, occurred_at)`, at most 5,000.
    public func read(contactID: Int64, decay: ScoreDecay, on connection: isolated PGConnection) throws
        -> ScoreHistoryResult
    {
        let rows = try connection.query(
            """
            SELECT occurred_at, points, \(identifier: schema.qualified("clock_now"))() AS now
            FROM \(identifier: schema.qualified("engagement_events"))
            WHERE contact_id = \(bind: contactID)
              AND occurred_at >= \(identifier: schema.qualified("clock_now"))() - make_interval(days => \(bind: Self.days)::int)
              AND occurred_at <= \(identifier: schema.qualified("clock_now"))()
              AND points > 0 AND rejection IS NULL
            ORDER BY occurred_at DESC LIMIT \(bind: Self.maximumEvents + 1)
            """
        ).rows
        let now: Date =
            try rows.first?.decode("now")
            ?? connection.query("SELECT \(identifier: schema.qualified("clock_now"))() AS now").first!.decode("now")
        var events = try rows.map {
            (at: try $0.decode("occurred_at", as: Date.self), points: try $0.decode("points", as: Int.self))
        }
        let truncated = events.count > Self.maximumEvents
        if truncated { events.removeLast() }
        let start = truncated ? events.last!.at : now.addingTimeInterval(-Double(Self.days) * 86_400)
        return ScoreHistoryResult(
            points: Self.replay(events: events.reversed(), decay: decay, from: start, to: now), truncated: truncated)
    }

    /// The score from 0 at `from` through `events` (oldest first) to `to`: a point at each
    /// event (after its points) and at each UTC day's end. Pure, the applier's fold
    /// (`EventApplier`): the stored score and the new points decayed to the later of the newest
    /// engagement and the last fold, then added.
    public static func replay(events: [(at: Date, points: Int)], decay: ScoreDecay, from: Date, to: Date)
        -> [ScorePoint]
    {
        var score = 0.0
        var lastEngagement: Date?
        var asOf: Date?
        func value(at date: Date) -> Double {
            decay.score(score, asOf: asOf, lastEngagement: lastEngagement, now: date)
        }
        var points: [ScorePoint] = [ScorePoint(at: from, score: 0)]
        var dayEnd = (from.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 + 86_400
        func days(until date: Date) {
            while dayEnd < date.timeIntervalSince1970 && dayEnd < to.timeIntervalSince1970 {
                let at = Date(timeIntervalSince1970: dayEnd)
                points.append(ScorePoint(at: at, score: value(at: at)))
                dayEnd += 86_400
            }
        }
        for event in events where event.at >= from && event.at <= to {
            days(until: event.at)
            let newest = max(lastEngagement ?? event.at, event.at)
            let moment = max(newest, asOf ?? newest)
            score =
                decay.score(score, asOf: asOf, lastEngagement: lastEngagement, now: moment)
                + decay.score(Double(event.points), since: event.at, now: moment)
            lastEngagement = newest
            asOf = moment
            points.append(ScorePoint(at: event.at, score: value(at: event.at)))
        }
        days(until: to)
        points.append(ScorePoint(at: to, score: value(at: to)))
        return points
    }
}
