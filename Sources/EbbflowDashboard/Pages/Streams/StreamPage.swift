// One stream's page: its definition as stored, its versions, its members over time and its latest decisions.
import EbbflowCharts
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import Foundation
import PostgresClient

enum StreamPage {
    static let recentDecisions = 20

    static func load(_ name: String, _ schema: SchemaName, on connection: isolated PGConnection) throws
        -> [String: any Sendable]
    {
        let history = StreamHistory(schema: schema)
        let versions = try history.versions(name, on: connection)
        guard let newest = versions.first else { throw OperationError.notFound("no stream named \"\(name)\"") }
        let now = try DatabaseClock(schema: schema).now(on: connection)
        let snapshots = try history.members(days: StreamsRoutes.days, on: connection).filter { $0.stream == name }
        let current = try history.membersNow(stream: name, on: connection).first?.members ?? 0
        let chart = Chart.lines(
            ChartSpec(
                id: "stream-members", title: "Members of \(name), last \(StreamsRoutes.days) days and now",
                summary: "Daily snapshots, then now.",
                x: TimeAxis(instants: snapshots.map(\.day) + [now], unit: .day), yLabel: "members",
                series: [
                    Series(
                        id: "members", name: "members", colour: Palette.colour(at: 0),
                        values: snapshots.map { Double($0.members) } + [Double(current)])
                ], size: Size(width: 960, height: 280)))
        let decisions = try history.decisionLog(stream: name, before: nil, limit: recentDecisions, on: connection)
        return [
            "name": name, "members": ViewFormat.count(current), "chart": ChartView.context(chart),
            "definition": pretty(newest.definition.bytes), "version": "\(newest.version)",
            "versions": versions.map { version -> [String: any Sendable] in
                ["version": "\(version.version)", "at": ViewFormat.time(version.createdAt)]
            },
            "entries": decisions.entries.map(StreamsRoutes.decision),
            "decisionsHref": "/dashboard/decisions?stream=\(Href.component(name))",
        ]
    }

    /// The stored JSON, indented with sorted keys (bounded: a definition is at most a few KiB).
    static func pretty(_ json: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: json),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return String(decoding: json.prefix(65_536), as: UTF8.self) }
        return String(decoding: data.prefix(65_536), as: UTF8.self)
    }
}
