// GET /dashboard/overview: the audience by status and segment now, and the queue's health.
import EbbflowEngine
import EbbflowHTTP
import EbbflowQueue
import Hummingbird
import PostgresClient

struct OverviewRoutes: Sendable {
    let kit: DashboardKit

    func add(to group: RouterGroup<HTTPContext>) {
        group.get("overview") { request, context in
            let data = try await kit.database.read { connection in try Self.load(kit, on: connection) }
            return try await kit.page(
                request, context, section: .overview, title: "Overview", template: "overview/page", data: data)
        }
        group.get("overview/fragments/audience") { _, _ in
            let data = try await kit.database.read { connection in try Self.load(kit, on: connection) }
            return try await kit.fragment("overview/audience", data: data)
        }
    }

    static func load(_ kit: DashboardKit, on connection: isolated PGConnection) throws -> [String: any Sendable] {
        let counts = try ContactStore(schema: kit.schema).audience(segment: nil, on: connection)
        var byStatus: [CampaignStatus: Int] = [:]
        for count in counts { byStatus[count.status, default: 0] += count.contacts }
        let total = byStatus.values.reduce(0, +)
        let statuses: [[String: any Sendable]] = CampaignStatus.allCases.map { status in
            let value = byStatus[status] ?? 0
            return [
                "status": status.rawValue, "contacts": ViewFormat.count(value),
                "share": ViewFormat.percent(total == 0 ? 0 : Double(value) / Double(total)),
            ]
        }
        return ["statuses": statuses, "total": ViewFormat.count(total)]
    }
}
