// The overview's activity part: people's events, machine opens and bot clicks per hour, and sends per hour, over two days.
import EbbflowCharts
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// Why machine opens and bot clicks are series of their own: they are not engagement (they
/// never raise a score) but they are traffic an operator must see; summed into "events" they
/// made a mail client's prefetch look like a campaign's success.
enum OverviewActivity {
    static let hours = 48

    static func load(_ schema: SchemaName, now: Date, on connection: isolated PGConnection) throws -> [String:
        any Sendable]
    {
        let rows = try ActivityHours(schema: schema).read(hours: hours, on: connection)
        let open = floor(now.timeIntervalSince1970 / 3_600) * 3_600
        let instants = (0..<hours).map { Date(timeIntervalSince1970: open - Double(hours - 1 - $0) * 3_600) }
        let index = Dictionary(uniqueKeysWithValues: instants.enumerated().map { ($1, $0) })
        func series(_ id: String, _ name: String, colour: Int, _ include: (ActivityHour) -> Bool) -> Series {
            var values = [Double?](repeating: 0, count: hours)
            for row in rows where include(row) {
                if let at = index[row.hour] { values[at] = (values[at] ?? 0) + Double(row.count) }
            }
            return Series(id: id, name: name, colour: Palette.colour(at: colour), values: values)
        }
        let events = Chart.columns(
            ChartSpec(
                id: "events", title: "Events per hour, last \(hours) hours (UTC)",
                summary: "People's events, machine opens and bot clicks, stacked; the open hour is partial.",
                x: TimeAxis(instants: instants, unit: .hour), yLabel: "events",
                series: [
                    series("people", "people's events", colour: 0) { $0.metric == "event" },
                    series("machine", "machine opens", colour: 4) { $0.metric == "machine" },
                    series("bot", "bot clicks", colour: 5) { $0.metric == "bot" },
                ]), stacked: true)
        let sendKinds = Array(Set(rows.filter { $0.metric == "send" }.map(\.kind))).sorted()
        let sends = Chart.columns(
            ChartSpec(
                id: "sends", title: "Sends per hour, last \(hours) hours (UTC)",
                summary: "Messages put in the outbox, by channel; the open hour is partial.",
                x: TimeAxis(instants: instants, unit: .hour), yLabel: "sends",
                series: (sendKinds.isEmpty ? ["email"] : sendKinds).enumerated().map { offset, kind in
                    series("send-\(kind)", kind, colour: offset) { $0.metric == "send" && $0.kind == kind }
                }), stacked: true)
        let kinds = Dictionary(grouping: rows.filter { $0.metric == "event" }, by: \.kind)
            .map { (kind: $0.key, count: $0.value.reduce(0) { $0 + $1.count }) }
            .sorted { ($1.count, $0.kind) < ($0.count, $1.kind) }
        return [
            "events": ChartView.context(events), "sends": ChartView.context(sends),
            "kinds": kinds.prefix(12).map {
                ["kind": $0.kind, "count": ViewFormat.count($0.count)] as [String: any Sendable]
            },
        ]
    }
}
