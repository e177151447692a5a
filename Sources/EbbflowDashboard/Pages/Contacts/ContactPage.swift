// One contact's page: who it is, its score over 90 days, and its one timeline of events, transitions, sends and decisions.
import EbbflowCharts
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import Foundation
import PostgresClient

/// Why one timeline and not a table per kind: a person reading a contact asks "what happened,
/// in what order" (the open, then the transition it caused, then the send it stopped); each
/// entry says which kind it is, newest first, a page of 50 with an "older" link.
enum ContactPage {
    static func load(
        _ externalID: String, before: ContactTimelineCursor?, limit: Int, _ schema: SchemaName,
        on connection: isolated PGConnection
    ) throws -> [String: any Sendable] {
        let policies = try PolicyStore(schema: schema).load(on: connection)
        let now = try DatabaseClock(schema: schema).now(on: connection)
        guard
            let header = try ContactHeaders(schema: schema).read(
                externalID: externalID, policies: policies, on: connection)
        else { throw OperationError.notFound("no contact with external id \"\(externalID)\"") }
        let contact = header.contact
        let timeline = try ContactTimelinePage(schema: schema).page(
            contactID: header.id, before: before, limit: limit, on: connection)
        let score = try ScoreHistory(schema: schema).read(
            contactID: header.id, decay: policies.policy(for: contact.segment).decay, on: connection)
        let chart = Chart.lines(
            ChartSpec(
                id: "score", title: "Engagement score, last \(ScoreHistory.days) days",
                summary: "The score replayed from applied events with its segment's decay"
                    + (score.truncated ? "; only the newest \(ScoreHistory.maximumEvents) events are drawn." : "."),
                x: TimeAxis(instants: score.points.map(\.at), unit: .day), yLabel: "score",
                series: [
                    Series(id: "score", name: "score", colour: Palette.colour(at: 0), values: score.points.map(\.score))
                ], size: Size(width: 960, height: 280)))
        let base = "/dashboard/contacts/\(Href.component(externalID))"
        var data: [String: any Sendable] = [
            "externalID": externalID, "segment": contact.segment, "status": contact.status.rawValue,
            "channel": contact.channel, "score": String(format: "%.1f", contact.engagementScore),
            "cycle": "\(header.reactivationCycle)", "chart": ChartView.context(chart),
            "entries": timeline.items.map { ContactTimelineView.entry($0, now: now) },
            "newest": before == nil, "suppressed": contact.status == .suppressed, "base": base,
            "attributes": attributes(header.attributes),
        ]
        data["email"] = contact.email
        data["lastEngagement"] = contact.lastEngagementAt.map { ViewFormat.time($0) }
        data["reason"] = header.suppressionReason
        data["stream"] = header.stream.map { "\($0.name) (version \($0.version)) since \(ViewFormat.time($0.since))" }
        data["since"] = "\(ViewFormat.time(header.createdAt)); status since \(ViewFormat.time(header.statusChangedAt))"
        data["olderHref"] = timeline.older.map { "\(base)?before=\($0.token)" }
        return data
    }

    /// The attributes as name and value rows (values as compact JSON), in name order.
    static func attributes(_ json: PGJSON) -> [[String: any Sendable]] {
        guard let object = (try? JSONSerialization.jsonObject(with: json.bytes)) as? [String: Any] else { return [] }
        return object.keys.sorted().prefix(100).map { key in
            let value = object[key].flatMap { value -> String? in
                if let text = value as? String { return text }
                guard
                    let data = try? JSONSerialization.data(
                        withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
                else { return nil }
                return String(decoding: data, as: UTF8.self)
            }
            return ["name": key, "value": String((value ?? "").prefix(300))]
        }
    }
}
