// The overview's suppressions part: suppressed contacts by reason (unsubscribed, complained, bounced, by hand…).
import EbbflowCharts
import EbbflowCore
import EbbflowEngine
import PostgresClient

enum OverviewSuppressions {
    static func load(_ schema: SchemaName, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        // The partial index contacts_suppression_reason holds only suppressed contacts.
        let counts = try SuppressionCounts(schema: schema).read(on: connection).sorted {
            ($1.value, $0.key) < ($0.value, $1.key)
        }
        let chart = Chart.bars(
            id: "suppressions", title: "Suppressed contacts by reason",
            summary: "Contacts no message reaches, by why they were suppressed.", categoryLabel: "reason",
            categories: counts.map(\.key), values: counts.map { Double($0.value) }, unit: "contacts")
        return [
            "chart": ChartView.context(chart), "none": counts.isEmpty,
            "total": ViewFormat.count(counts.reduce(0) { $0 + $1.value }),
        ]
    }
}
