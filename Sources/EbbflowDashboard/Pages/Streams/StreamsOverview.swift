// The Flows and streams page: the flows, each stream with its members, members over time per stream, and the arbiter's shares.
import EbbflowCharts
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// Why small multiples: streams differ in size by orders of magnitude (a welcome stream holds
/// thousands, a birthday stream a few); stacked in one chart, as the first simulator drew them,
/// every stream but the largest was a hairline. One panel per stream, each on its own scale.
enum StreamsOverview {
    static func load(_ schema: SchemaName, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        let now = try DatabaseClock(schema: schema).now(on: connection)
        let history = StreamHistory(schema: schema)
        let streams = try StreamStore(schema: schema).list(on: connection)
        let membersNow = Dictionary(
            try history.membersNow(on: connection).map { ($0.stream, $0.members) }, uniquingKeysWith: { a, _ in a })
        let snapshots = try history.members(days: StreamsRoutes.days, on: connection)
        let days = Array(Set(snapshots.map(\.day))).sorted()
        var byDay: [String: [Date: Int]] = [:]
        for row in snapshots { byDay[row.stream, default: [:]][row.day] = row.members }
        let names = streams.map(\.definition.name)
        let members = Chart.smallMultiples(
            ChartSpec(
                id: "members", title: "Members per stream, last \(StreamsRoutes.days) days and now",
                summary: "One panel per stream, each on its own scale; daily snapshots then now.",
                x: TimeAxis(instants: days + [now], unit: .day), yLabel: "members",
                series: names.enumerated().map { index, name in
                    Series(
                        id: name, name: name, colour: Palette.colour(at: index),
                        values: days.map { byDay[name]?[$0].map(Double.init) ?? 0 } + [Double(membersNow[name] ?? 0)])
                }))
        let decisions = try history.decisionsPerDay(days: StreamsRoutes.days, on: connection)
        let decisionDays = Array(Set(decisions.map(\.day))).sorted()
        var chosen: [String: [Date: Double]] = [:]
        for row in decisions { chosen[row.stream, default: [:]][row.day, default: 0] += Double(row.decisions) }
        let competing = chosen.keys.sorted()
        let shares = Chart.stackedArea(
            ChartSpec(
                id: "shares", title: "The arbiter's share of decisions per stream, last \(StreamsRoutes.days) days",
                summary: "Of each day's decisions, the share that chose each stream (today's as of the last rollup).",
                x: TimeAxis(instants: decisionDays, unit: .day), yLabel: "share of decisions",
                series: competing.enumerated().map { index, name in
                    Series(
                        id: "share-\(name)", name: name, colour: Palette.colour(at: index),
                        values: decisionDays.map { chosen[name]?[$0] ?? 0 })
                }), normalized: true)
        let counted = Dictionary(
            try FlowSendCounts(schema: schema).read(on: connection).map { ($0.flow, $0) },
            uniquingKeysWith: { a, _ in a })
        let flows: [[String: any Sendable]] = try FlowStore(schema: schema).definitions(on: connection).map { flow in
            var row: [String: any Sendable] = [
                "name": flow.name, "segment": flow.segment, "template": flow.template, "state": flow.state,
            ]
            row["sends"] = counted[flow.name].map { ViewFormat.count($0.sends) }
            return row
        }
        let streamRows: [[String: any Sendable]] = streams.map { stored in
            let definition = stored.definition
            return [
                "name": definition.name, "href": "/dashboard/streams/\(Href.component(definition.name))",
                "mode": definition.mode.rawValue, "priority": definition.priority.map { "\($0)" } ?? "–",
                "version": "\(stored.version)", "members": ViewFormat.count(membersNow[definition.name] ?? 0),
                "sends": counted[definition.name].map { ViewFormat.count($0.sends) } ?? "–",
                "steps": "\(definition.steps.count)",
            ]
        }
        var data: [String: any Sendable] = [
            "flows": flows, "noFlows": flows.isEmpty, "streams": streamRows, "noStreams": streamRows.isEmpty,
            "members": ChartView.context(members), "shares": ChartView.context(shares),
        ]
        data["countedAt"] = counted.values.map(\.computedAt).max().map { ViewFormat.time($0) }
        return data
    }
}
