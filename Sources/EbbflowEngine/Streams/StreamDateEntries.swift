// Enters contacts into date-attribute streams (a birthday, N days before or after) once a day.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Why a daily job: a date is not an event, so nothing else would make the decision point.
/// Each day (schedule `stream_date_entries`, 00:10 UTC) the contacts whose date attribute's
/// month and day fall on today minus the stream's offset (an offset of −3 enters three days
/// before the date) are weighed by the arbiter like an event's contacts, so a locked birthday
/// stream takes them at once. A value that is not an ISO date (YYYY-MM-DD…) is ignored rather
/// than failing the job; 29 February matches only in leap years.
public struct StreamDateEntries: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Places today's contacts; returns how many were weighed.
    @discardableResult
    public func run(now: Date, on connection: isolated PGConnection) throws -> Int {
        let streams = try StreamStore(schema: schema).list(on: connection).map(\.definition)
        var points: [StreamEventPoint] = []
        var seen = Set<String>()
        for stream in streams {
            guard let attribute = stream.entry.dateAttribute else { continue }
            let key = "\(attribute)|\(stream.entry.offsetDays ?? 0)"
            guard seen.insert(key).inserted else { continue }
            for row in try connection.query(
                StreamSQL(schema: schema).contactsOnDate, [attribute, now, stream.entry.offsetDays ?? 0]
            ).rows {
                points.append(
                    StreamEventPoint(
                        eventID: nil, contactID: try row.decode("id"), kind: stream.entryKind!,
                        segment: try row.decode("segment"),
                        status: CampaignStatus(rawValue: try row.decode("status")) ?? .active, occurredAt: now))
            }
        }
        // All of today's contacts locked in one statement in id order, the engine's lock order.
        try connection.execute(ContactSQL(schema: schema).lockContacts, [Array(Set(points.map(\.contactID))).sorted()])
        try StreamRuntime(schema: schema).decide(at: points, now: now, on: connection)
        return points.count
    }
}

extension StreamDateEntries: DailyPass {
    public static let jobKind = "stream_date_entries"

    public func runDaily(now: Date, on connection: isolated PGConnection) throws { try run(now: now, on: connection) }
}

/// The daily date entries as a job (schedule `stream_date_entries`, 00:10 UTC).
public typealias StreamDateEntriesJob = DailyPassJob<StreamDateEntries>
